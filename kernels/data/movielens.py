"""MovieLens-100k for the SVT lab: loader, preprocessing exactly as in the lab, trivial recommender.

Where the ratings come from, first match wins:

1. a path given as argument, or in the setting ``settings.MOVIELENS`` (kernels/settings.py): MovieLens'
   own ``u.data`` (tab-separated ``user item rating timestamp``, no header) or a RecBole
   ``.inter`` file (tab-separated, typed header such as ``user_id:token``);
2. the copy shipped in the ``recbole`` wheel (``pip install --no-deps recbole==1.2.1``), found
   with ``importlib.metadata`` without importing recbole (which would pull in torch);
3. otherwise :class:`kernels.Unavailable`, saying how to get the data.
"""
from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse

from .. import settings
from .._case import Unavailable

RECBOLE_FILE = "recbole/dataset_example/ml-100k/ml-100k.inter"
N_USERS, N_MOVIES, N_RATINGS = 943, 1682, 100_000     # MovieLens-100k, as the lab checks
TRAIN_FRACTION = 0.8                                    # lab: 80/20 split after a seeded shuffle
RECBOLE_COLUMNS = ("user_id", "item_id", "rating", "timestamp")

HOW_TO_GET = (f"MovieLens-100k not found. Install the wheel that ships it: "
              f"`pip install --no-deps recbole==1.2.1` (done by `make test`), or point {settings.MOVIELENS.var} "
              f"at MovieLens' u.data (https://grouplens.org/datasets/movielens/100k/) or a RecBole .inter file.")


class MovieLensFormatError(ValueError):
    """A ratings file that cannot be parsed; the message names the file and the 1-based line."""


@dataclass(frozen=True)
class Ratings:
    """The raw ratings, one entry per line of the file (ids as in the file)."""

    user: np.ndarray       # int64
    item: np.ndarray       # int64
    rating: np.ndarray     # float64
    timestamp: np.ndarray  # int64
    source: str            # the file they were read from


@dataclass(frozen=True)
class Split:
    """The lab's train/test triplets (compacted indices) and the dense training matrix ``X_full``."""

    n_users: int
    n_movies: int
    rows_train: np.ndarray
    cols_train: np.ndarray
    vals_train: np.ndarray
    rows_test: np.ndarray
    cols_test: np.ndarray
    vals_test: np.ndarray
    X_full: np.ndarray     # n_users x n_movies, training ratings, 0 where unknown
    source: str


def recbole_path() -> Path | None:
    """The ml-100k.inter file of the installed recbole wheel, located without importing recbole."""
    try:
        dist = importlib.metadata.distribution("recbole")
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(dist.locate_file(RECBOLE_FILE))
    return path if path.is_file() else None


def find_data(path: str | os.PathLike | None = None) -> Path:
    """Argument, else the setting ``settings.MOVIELENS``, else the recbole wheel's copy; Unavailable if none."""
    given = path if path is not None else settings.path(settings.MOVIELENS)
    if given is not None:
        given = Path(given).expanduser()
        if not given.is_file():
            origin = "argument" if path is not None else f"${settings.MOVIELENS.var}"
            raise Unavailable(f"MovieLens file {given} (from {origin}) does not exist. {HOW_TO_GET}")
        return given
    found = recbole_path()
    if found is None:
        raise Unavailable(HOW_TO_GET)
    return found


def _header_order(fields: list[str], where: str) -> list[int]:
    """Column positions of user, item, rating, timestamp in a RecBole typed header."""
    names = [f.split(":", 1)[0].strip() for f in fields]
    missing = [c for c in RECBOLE_COLUMNS if c not in names]
    if missing:
        raise MovieLensFormatError(f"{where}: RecBole header lacks column(s) {', '.join(missing)}: {fields!r}")
    return [names.index(c) for c in RECBOLE_COLUMNS]


def _parse_line(fields: list[str], order: list[int], where: str) -> tuple[int, int, float, int]:
    """One (user, item, rating, timestamp) record; MovieLensFormatError naming file and line."""
    if len(fields) < 4:
        raise MovieLensFormatError(f"{where}: expected 4 tab-separated fields "
                                   f"(user item rating timestamp), got {len(fields)}: {fields!r}")
    try:
        user, item = int(fields[order[0]]), int(fields[order[1]])
        rating, stamp = float(fields[order[2]]), int(float(fields[order[3]]))
    except ValueError as exc:
        raise MovieLensFormatError(f"{where}: {exc} in {fields!r}") from None
    if not np.isfinite(rating) or rating <= 0:
        raise MovieLensFormatError(f"{where}: rating {rating} is not a positive number "
                                   "(0 marks an unknown entry in the lab's matrix)")
    return user, item, rating, stamp


def read_ratings(path: str | os.PathLike) -> Ratings:
    """Parse ``u.data`` (no header) or a RecBole ``.inter`` (typed header); errors name file:line."""
    path = Path(path)
    order, records = [0, 1, 2, 3], []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            where = f"{path}:{lineno}"
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if lineno == 1 and ":" in fields[0]:
                order = _header_order(fields, where)
                continue
            records.append(_parse_line(fields, order, where))
    if not records:
        raise MovieLensFormatError(f"{path}: no ratings found")
    user, item, rating, stamp = zip(*records)
    return Ratings(np.array(user, np.int64), np.array(item, np.int64), np.array(rating, np.float64),
                   np.array(stamp, np.int64), str(path))


def load_ratings(path: str | os.PathLike | None = None) -> Ratings:
    """Find (argument, env var, recbole wheel) and read the MovieLens ratings."""
    return read_ratings(find_data(path))


def split(ratings: Ratings, seed: int = 0, train_fraction: float = TRAIN_FRACTION) -> Split:
    """Lab preprocessing: seeded shuffle, np.unique(return_inverse) compaction, 80/20, csr_matrix."""
    idxs = np.arange(ratings.user.size)
    np.random.RandomState(seed).shuffle(idxs)          # the lab's np.random.seed + np.random.shuffle
    rows = np.unique(ratings.user[idxs], return_inverse=True)[1]
    cols = np.unique(ratings.item[idxs], return_inverse=True)[1]
    vals = ratings.rating[idxs]
    n_users, n_movies = int(rows.max()) + 1, int(cols.max()) + 1
    n_train = int(np.round(train_fraction * idxs.size))
    tr, te = slice(0, n_train), slice(n_train, None)
    X_full = scipy.sparse.csr_matrix((vals[tr], (rows[tr], cols[tr])), shape=(n_users, n_movies)).toarray()
    return Split(n_users, n_movies, rows[tr], cols[tr], vals[tr], rows[te], cols[te], vals[te],
                 X_full, ratings.source)


def load_split(path: str | os.PathLike | None = None, seed: int = 0) -> Split:
    """``split(load_ratings(path), seed)``, cached per (resolved file, seed)."""
    return _cached_split(str(find_data(path)), seed)


_CACHE: dict[tuple[str, int], Split] = {}


def _cached_split(path: str, seed: int) -> Split:
    key = (path, seed)
    if key not in _CACHE:
        _CACHE[key] = split(read_ratings(path), seed)
    return _CACHE[key]


def trivial_predictions(s: Split) -> np.ndarray:
    """Trivial recommender: prediction(i, j) = mean of user i's training ratings, for each test pair."""
    counts = np.bincount(s.rows_train, minlength=s.n_users)
    sums = np.bincount(s.rows_train, weights=s.vals_train, minlength=s.n_users)
    average_rating = np.divide(sums, counts, out=np.full(s.n_users, s.vals_train.mean()), where=counts > 0)
    return average_rating[s.rows_test]


def rmse(vals_true, vals_pred) -> float:
    """RMSE = sqrt(mean((true - pred)^2))."""
    errors = np.asarray(vals_true, np.float64) - np.asarray(vals_pred, np.float64)
    return float(np.sqrt(np.mean(errors ** 2)))


def rho(vals_true, vals_pred) -> float:
    """Pearson correlation coefficient, scipy.stats.pearsonr(true, pred)."""
    import scipy.stats   # here, not at the top: it takes ~1 s to import, and most processes never call this

    return float(scipy.stats.pearsonr(np.asarray(vals_true, np.float64), np.asarray(vals_pred, np.float64))[0])


def trivial_metrics(s: Split) -> tuple[float, float]:
    """(RMSE, rho) of the trivial per-user-mean recommender on the test set."""
    pred = trivial_predictions(s)
    return rmse(s.vals_test, pred), rho(s.vals_test, pred)
