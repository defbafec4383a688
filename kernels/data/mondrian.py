"""Images for soft-SVT completion: a synthetic Mondrian-like picture, or any image file (Pillow).

Both are converted to grayscale as the lab does (the mean over the RGB channels) and scaled to
[0, 1]: tau = 5 sqrt(n1 n2) is sized for entries of order 1 (Cai-Candes-Shen). On raw 0..255
values the same tau is 255x too weak: soft SVT then fits the mask's noise, meeting its stopping
test early with a large error (docs/svt.md gives the figures for the 400 px Mondrian). The
synthetic image is a union of axis-aligned rectangles, hence genuinely low-rank (rank <= 10).
"""
from __future__ import annotations

import os

import numpy as np

SIZE = 400        # lab: the image is resized to 400 px
WHITE, BLACK = (242, 240, 230), (20, 20, 20)
RED, BLUE, YELLOW = (200, 30, 30), (30, 60, 160), (240, 200, 40)
LINE = 0.02       # line thickness, fraction of the side

# (top, bottom, left, right) as fractions of the side, painted in order (after the white canvas)
RECTANGLES = (
    ((0.00, 0.70, 0.25, 1.00), RED),
    ((0.70, 1.00, 0.00, 0.25), BLUE),
    ((0.85, 1.00, 0.85, 1.00), YELLOW),
    ((0.00, 1.00, 0.25 - LINE / 2, 0.25 + LINE / 2), BLACK),     # vertical line
    ((0.35 - LINE / 2, 0.35 + LINE / 2, 0.00, 0.25), BLACK),     # short horizontal line, left
    ((0.70 - LINE / 2, 0.70 + LINE / 2, 0.00, 1.00), BLACK),     # long horizontal line
    ((0.70, 1.00, 0.85 - LINE / 2, 0.85 + LINE / 2), BLACK),     # vertical line, bottom right
    ((0.85 - LINE / 2, 0.85 + LINE / 2, 0.85, 1.00), BLACK),     # horizontal line, bottom right
)


def mondrian_rgb(n: int = SIZE) -> np.ndarray:
    """Deterministic n x n x 3 uint8 picture of axis-aligned coloured rectangles and black lines."""
    img = np.empty((n, n, 3), np.uint8)
    img[...] = WHITE
    for (top, bottom, left, right), colour in RECTANGLES:
        img[round(top * n):max(round(bottom * n), round(top * n) + 1),
            round(left * n):max(round(right * n), round(left * n) + 1)] = colour
    return img


def grayscale(rgb: np.ndarray) -> np.ndarray:
    """The lab's grayscale, mean over the last (RGB) axis, divided by 255: float64 in [0, 1]."""
    return np.asarray(rgb, np.float64).mean(axis=-1) / 255.0


def mondrian(n: int = SIZE) -> np.ndarray:
    """The synthetic Mondrian in grayscale, n x n float64."""
    return grayscale(mondrian_rgb(n))


def load_image(path: str | os.PathLike, size: int = SIZE) -> np.ndarray:
    """Open an image with Pillow, resize so its longer side is ``size`` px, grayscale as the lab."""
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        scale = size / max(im.size)
        im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.LANCZOS)
        return grayscale(np.asarray(im))


def missing_mask(shape, missing: float, rng: np.random.Generator) -> np.ndarray:
    """Omega as a boolean mask: True where the pixel is known (a fraction ``missing`` is lost)."""
    return rng.random(shape) >= missing
