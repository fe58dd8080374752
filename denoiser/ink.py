"""Ink map: any image's pixels as strokes (1) on background (0), whatever its mode, polarity or paper.

Sketchpads give dark strokes on a transparent layer, photos dark strokes on paper that may be
coloured, shaded, letterboxed, or lying on a desk, and MNIST-style images light strokes on black;
`to_ink` brings each to light-on-dark ink. `preprocess` then fits the ink to MNIST's 28x28 digit.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

MIN_INK = 0.08  # strokes need at least this contrast (out of 1) to be read
MIN_STROKE_PIXELS = 30  # a stroke is one blob of at least this many pixels (paper grain makes specks)
PAGE_TOLERANCE = 0.15  # pixels within this of a level (out of 1) count as the same surface (paper, desk)
PAGE_FILL = 0.85  # a page fills at least this share of its bounding box (a tilted one ~0.95; a vignette's bright disc ~0.79)
SHADING_MAX = 0.5  # uneven light darkens paper by less than this (out of 1); more is a drawn blob
LETTERBOX_MIN_SHARE = 0.08  # a letterboxed photo is at least this share of the canvas across (a 1:12 strip)
LETTERBOX_FILL = 0.95  # ... and opaque nearly all over (rounded photo corners: ~0.98; strokes have gaps)


class DrawingError(ValueError):
    """An image that cannot be read as a digit drawing (wrong shape, no pixels)."""


class FaintDrawingError(DrawingError):
    """Strokes that a person can see but that are too faint to tell from paper reliably."""


def _as_float_array(image: Image.Image | np.ndarray) -> np.ndarray:
    """`(H, W)`, `(H, W, 3)` or `(H, W, 4)` float64 in [0, 1] from a PIL image or any numeric array.

    Integer arrays, and float arrays or float (F) images with values above 1, are read as 0..255 (or
    0..65535 past 255).
    """
    if isinstance(image, Image.Image) and image.mode == "F":  # 0..1, or 0..255 as convert("F") leaves them:
        image = np.asarray(image)  # read like a float array, below
    if isinstance(image, Image.Image):
        if image.mode in ("I", "I;16", "I;16B", "I;16L"):
            array = np.asarray(image, dtype=np.float64)
            return np.clip(array / (65535.0 if array.max() > 255 else 255.0), 0, 1)
        if image.mode == "La":  # premultiplied alpha: PIL converts it to LA only
            image = image.convert("LA")
        has_alpha = image.mode in ("RGBA", "RGBa", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
        image = image.convert("RGBA" if has_alpha else "RGB")
        return np.asarray(image, dtype=np.float64) / 255.0
    array = np.asarray(image)
    if array.dtype == bool:
        return array.astype(np.float64)
    if not np.issubdtype(array.dtype, np.number):
        raise DrawingError(f"expected a numeric image array, got dtype {array.dtype}")
    array = np.nan_to_num(array.astype(np.float64))
    peak = array.max(initial=0)
    if np.issubdtype(np.asarray(image).dtype, np.integer) or peak > 1:  # floats above 1: 0..255 or 16-bit pixels
        array /= 65535.0 if peak > 255 else 255.0
    return np.clip(array, 0, 1)


def to_ink(image: Image.Image | np.ndarray) -> np.ndarray:
    """Ink map `(H, W)` in [0, 1]: 1 where the stroke is, 0 for background, whatever the input's polarity.

    Transparent pixels count as background. The background is taken to be what most of the
    border shows (a page photographed on a desk has the desk painted over with the page first), so
    dark-on-light sketches and light-on-dark digits both come out light-on-dark.
    On a mostly transparent layer (a sketchpad) the opaque pixels are the strokes; on a mostly
    opaque one (a photo with transparent corners), or a photo letterboxed between transparent bands,
    they are paper and strokes.
    """
    array = _as_float_array(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (2, 3, 4)):
        raise DrawingError(f"expected a 2-D grey or RGB(A) image, got an array of shape {array.shape}")
    if array.size == 0:
        raise DrawingError("the image has no pixels")
    if array.ndim == 2:
        grey, alpha = array, np.ones_like(array)
    else:
        colour = array[..., :3] if array.shape[2] >= 3 else array[..., :1]
        grey = colour @ np.array([0.299, 0.587, 0.114]) if colour.shape[2] == 3 else colour[..., 0]
        alpha = array[..., -1] if array.shape[2] in (2, 4) else np.ones_like(grey)
    if alpha.min() < 0.98:
        opaque = alpha > 0.5
        if opaque.mean() <= 0.5 and not _is_letterboxed(opaque):
            # strokes on a transparent layer: ink is opacity times contrast to their opposite
            strokes_are_dark = not opaque.any() or grey[opaque].mean() < 0.5
            return alpha * ((1.0 - grey) if strokes_are_dark else grey)
        # Mostly opaque: a picture with transparent margins or corners. Cut away the fully transparent
        # margins (the bands the sketchpad letterboxes a non-square photo with: flat paper there would
        # make a step against the photo's shaded paper, read as ink), then lay it on its own paper colour.
        rows, cols = np.nonzero(opaque)
        box = (slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1))
        grey, alpha = grey[box], alpha[box]
        grey = alpha * grey + (1.0 - alpha) * np.median(grey[opaque[box]])
    grey = _page_without_surround(grey)
    return _without_shading((1.0 - grey) if _strokes_are_dark(grey) else grey)


def _page_without_surround(grey: np.ndarray) -> np.ndarray:
    """`(H, W)` `grey` with a darker surround of the page (a desk, a frame line) painted over by the page.

    A page photographed on a desk has the desk round it, and a cropped form cell or a screenshot may
    have a frame line: the border's level then covers little of the picture, and the page (lighter,
    at the picture's median level) most of it. What lies outside the page and reaches the picture's
    edge takes the value of the nearest page pixel, so a tilted page works too. It is done only for
    a flat surround (not a vignette's shading) and something shaped like a page with strokes on it: a
    solid region filling most of its bounding box (not a bold light stroke on black) with darker marks
    inside it.
    """
    ring = _border(grey)
    border, middle = float(np.median(ring)), float(np.median(grey))
    if np.mean(np.abs(grey - border) < PAGE_TOLERANCE) >= 0.5 or middle <= border:
        return grey  # the border's level is most of the picture, so it is the paper; or what it surrounds is
    if np.subtract(*np.percentile(ring, [75, 25])) > PAGE_TOLERANCE / 2:
        return grey  # not one flat surface all round (a desk, a frame): shading, as in a vignetted photo
    labels, count = ndimage.label(np.abs(grey - middle) < PAGE_TOLERANCE)  # darker, so a drawn blob, not a page
    if count == 0:
        return grey
    page = ndimage.binary_fill_holes(labels == 1 + np.argmax(np.bincount(labels.ravel())[1:]))  # strokes included
    rows, cols = np.nonzero(page)
    box_area = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
    marks = page & (grey < middle - MIN_INK)
    if page.mean() < 0.5 or page.sum() < PAGE_FILL * box_area or marks.sum() < MIN_STROKE_PIXELS:
        return grey
    _, (near_rows, near_cols) = ndimage.distance_transform_edt(~page, return_indices=True)
    return grey[near_rows, near_cols]


def _strokes_are_dark(grey: np.ndarray) -> bool:
    """Whether the strokes on `(H, W)` `grey` are darker than the paper (the border's level) or lighter.

    Paper lighter than mid-grey means dark strokes, unless the strongest departures from the paper (the
    0.5th and 99.5th percentiles) clearly go the other way: at least twice as far, and by at least
    MIN_INK. So a black marker on red or brown paper, or on a dim photo of a page, reads as dark
    strokes, and chalk on a light grey board as light ones; a strip of desk or frame along one side,
    or the grain round a small digit, does not outvote the paper's level.
    """
    paper = border_median(grey)
    darkest, lightest = np.percentile(grey, [0.5, 99.5])
    darker, lighter = paper - darkest, lightest - paper
    if paper > 0.5:
        return not lighter >= max(2 * darker, MIN_INK)
    return darker >= max(2 * lighter, MIN_INK)


def _is_letterboxed(opaque: np.ndarray) -> bool:
    """Whether the opaque pixels of `(H, W)` `opaque` are one solid rectangle across the whole height or width.

    That is how the sketchpad shows a tall or wide photo: letterboxed between transparent bands. Past
    about 2:1 the photo covers under half the canvas, and was then read as strokes on a transparent
    layer, its paper as ink. A drawn stroke is never a solid rectangle that wide (a single straight
    one is at most a brush wide: 4% of the canvas).
    """
    rows, cols = np.nonzero(opaque)
    if not len(rows):
        return False
    box = opaque[rows.min(): rows.max() + 1, cols.min(): cols.max() + 1]
    (height, width), (box_height, box_width) = opaque.shape, box.shape
    spans = (box_height == height and box_width >= LETTERBOX_MIN_SHARE * width) or \
            (box_width == width and box_height >= LETTERBOX_MIN_SHARE * height)
    return spans and box.mean() >= LETTERBOX_FILL


def _without_shading(ink: np.ndarray) -> np.ndarray:
    """`ink` `(H, W)` less its slowly varying floor: the uneven lighting or vignette of a photographed page.

    A grey opening with a window a quarter of the shorter side removes every stroke narrower than that
    and keeps the shading under them; without this, paper 40 grey levels darker on one side read as ink.
    The floor is capped at half ink, so a solid blob wider than the window is dimmed, not erased.
    """
    size = max(3, min(ink.shape) // 4)
    floor = np.minimum(ndimage.grey_opening(ink, size=(size, size)), SHADING_MAX)
    return np.clip(ink - floor, 0, None)


def _border(values: np.ndarray) -> np.ndarray:
    """The outermost rows and columns of `(H, W)` `values`, as one flat array."""
    return np.concatenate([values[0], values[-1], values[:, 0], values[:, -1]])


def border_median(values: np.ndarray) -> float:
    """Median of the outermost rows and columns of `(H, W)` `values`: what the background shows."""
    return float(np.median(_border(values)))
