"""Drawing to digit: turn a sketch or a photo into the 28x28 MNIST-style digit the models expect.

MNIST digits are light strokes on black, scaled to fit a 20x20 box (aspect ratio kept),
anti-aliased, and placed in a 28x28 field so that their centre of mass is at pixel (14, 14). Sketchpads
give dark strokes on a white or transparent canvas, and uploads can be anything; `ink.to_ink` reads
their strokes, and this module fits them to that convention.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.morphology import skeletonize

from .ink import MIN_INK, MIN_STROKE_PIXELS, DrawingError, FaintDrawingError, border_median, to_ink

__all__ = ["DrawingError", "FaintDrawingError", "drawing_to_digit", "to_ink"]  # the errors are raised from here too

DIGIT_SIZE = 28
BOX_SIZE = 20  # MNIST fits each digit into 20x20 before centring it in 28x28
FAINT_INK = 0.03  # fainter strokes than this count as an empty canvas (MIN_INK: the contrast needed to read them)
MIN_STROKE_SHARE = 0.002  # a faint or thin stroke is one blob of at least this share of the picture, too
MIN_SPECK_SHARE = 0.01  # separate blobs with less of the ink than this are dust, not strokes
STROKE_LEVEL = 0.1  # ink above this (out of 1) is stroke: it makes blobs and bounds the crop; fainter is anti-aliasing
MIN_STROKE_WIDTH, TARGET_STROKE_WIDTH = 1.6, 2.2  # strokes thinner than this (px in the 20x20 box) are widened to that
WORKING_SIZE = 512  # larger inputs are first shrunk to this (box filter): enough for a 20 px digit


def _reduce_huge(image: Image.Image | np.ndarray, size: int) -> Image.Image | np.ndarray:
    """Shrink an input over twice `size` by a whole factor (block means) before any float copy is made.

    A 25-megapixel upload would otherwise become over a gigabyte of float64 arrays.
    """
    if isinstance(image, Image.Image):
        factor = max(image.size) // size
        if factor < 2:
            return image
        if image.mode.startswith("I;16"):  # modes Image.reduce lacks, converted without loss
            image = image.convert("I")
        elif image.mode in ("1", "P", "PA"):  # reduce averages palette indices (PA: keeps no palette at all)
            image = image.convert("RGBA" if image.mode == "PA" or "transparency" in image.info else "RGB")
        elif image.mode == "La":
            image = image.convert("LA")
        return image.reduce(factor)
    array = np.asarray(image)
    factor = min(max(array.shape[:2]) // size, min(array.shape[:2])) if array.ndim >= 2 else 0  # a block per row at least
    if factor < 2 or not np.issubdtype(array.dtype, np.number):
        return image
    height, width = array.shape[0] // factor * factor, array.shape[1] // factor * factor
    blocks = array[:height, :width].reshape(height // factor, factor, width // factor, factor, *array.shape[2:])
    means = blocks.mean(axis=(1, 3), dtype=np.float32)
    return means.round().astype(array.dtype) if np.issubdtype(array.dtype, np.integer) else means


def _drop_specks(ink: np.ndarray) -> np.ndarray:
    """Zero separate blobs holding under `MIN_SPECK_SHARE` of the ink (dust, a stray click), so they do not
    stretch the crop; a drawing that is only specks keeps them."""
    labels, count = ndimage.label(ink > STROKE_LEVEL)
    if count < 2:
        return ink
    mass = ndimage.sum(ink, labels, index=np.arange(1, count + 1))  # (count,)
    specks = np.flatnonzero(mass < MIN_SPECK_SHARE * mass.sum()) + 1
    if len(specks) == count:
        return ink
    return np.where(np.isin(labels, specks), 0.0, ink)


def _stroke_contrast(ink: np.ndarray, level: float) -> float:
    """The ink of the largest connected blob above `level` in `(H, W)` `ink` (its 90th percentile), or 0
    if that blob is too small to be a stroke: photo grain on blank paper makes only scattered specks."""
    if level <= 0:
        return 0.0
    labels, count = ndimage.label(ink > level)
    if not count:
        return 0.0
    sizes = np.bincount(labels.ravel())[1:]  # (count,)
    if sizes.max() < max(MIN_STROKE_PIXELS, MIN_STROKE_SHARE * ink.size):
        return 0.0
    return float(np.percentile(ink[labels == sizes.argmax() + 1], 90))


def _stroke_width(crop: np.ndarray) -> float:
    """Mean stroke width of the glyph `crop` `(H, W)`, in pixels of the 20x20 box it will be fitted to.

    Stroke area over skeleton length, measured on a copy 4x the box's size: enough to see a 1 px
    stroke, and a millisecond on the live path however large the crop.
    """
    fine = _resize_to_fit(crop, 4 * BOX_SIZE, Image.Resampling.BOX)
    fine = fine > 0.5 * fine.max()  # a hairline comes out grey at this size
    length = skeletonize(fine).sum()
    return fine.sum() / length / 4 if length else 0.0


def _thickened(crop: np.ndarray) -> np.ndarray:
    """`crop` `(H, W)` with its strokes widened to MNIST's if they would be hairlines in the 20x20 box.

    A pen on a photographed page draws lines of 1 to 1.5 px at MNIST's scale, where MNIST's own strokes
    are about 2.6 px (10th percentile 1.9); the models, trained on those, denoise hairlines several dB
    worse. Drawings on the canvas (about 2.5 px) and the examples (2.0 to 2.6) are left as they are.
    """
    width = _stroke_width(crop)
    if not 0 < width < MIN_STROKE_WIDTH:
        return crop
    radius = round((TARGET_STROKE_WIDTH - width) / 2 * max(crop.shape) / BOX_SIZE)  # in crop pixels, each side
    if radius < 1:
        return crop
    rows, cols = np.mgrid[-radius: radius + 1, -radius: radius + 1]
    return ndimage.grey_dilation(np.pad(crop, radius), footprint=rows**2 + cols**2 <= radius**2)


def _resize_to_fit(ink: np.ndarray, size: int, resample: Image.Resampling) -> np.ndarray:
    """`ink` `(H, W)` resized, aspect ratio kept, so that its longer side is `size` (float32)."""
    height, width = ink.shape
    scale = size / max(height, width)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))  # PIL sizes are (W, H)
    return np.asarray(Image.fromarray(ink.astype(np.float32), mode="F").resize(target, resample))


def _shrink(ink: np.ndarray, size: int) -> np.ndarray:
    """Box-filter `ink` so its longer side is at most `size` (keeps huge uploads cheap)."""
    return ink if max(ink.shape) <= size else _resize_to_fit(ink, size, Image.Resampling.BOX)


def _centre_of_mass_shift(digit: np.ndarray) -> tuple[int, int]:
    """Integer (rows, cols) shift that moves the ink's centre of mass to within half a pixel of MNIST's centre.

    MNIST's centre is pixel (14, 14), not the field's middle (13.5, 13.5): every one of the 10,000
    training digits this project trains on has its centre of mass in [13.5, 14.5] on both axes (mean
    14.00). Centring on 13.5 put three in four digits a pixel up or left of where the models learnt
    digits sit: on the 5000 test digits passed through this module, `default` read 22.69 dB at gaussian
    0.4 that way, 22.80 this way, and 22.84 on MNIST's own placement.
    """
    total = digit.sum()
    rows, cols = np.indices(digit.shape)
    centre = DIGIT_SIZE / 2
    return round(centre - (rows * digit).sum() / total), round(centre - (cols * digit).sum() / total)


def drawing_to_digit(image: Image.Image | np.ndarray) -> np.ndarray | None:
    """The MNIST-style digit `(28, 28)` float32 in [0, 1] for a drawing or photo, or None if it is blank.

    Raises DrawingError for an image it cannot read, FaintDrawingError for strokes too faint to read.

    Steps: huge inputs reduced -> ink map (light on dark) -> background level removed and contrast
    stretched -> dust specks dropped -> cropped to the ink's bounding box -> hairline strokes widened to
    MNIST's -> scaled to fit 20x20 keeping
    aspect ratio (anti-aliased), its brightest pixel then full ink -> placed in 28x28 with its centre of
    mass within half a pixel of (14, 14), as MNIST places it.
    """
    ink = _shrink(to_ink(_reduce_huge(image, WORKING_SIZE)), WORKING_SIZE)
    ink = np.clip(ink - border_median(ink), 0, None)
    peak = np.percentile(ink[ink > 0], 99) if (ink > 0).any() else 0.0
    if peak < MIN_INK:  # no ink above the paper's grain, or strokes too thin or faint for the percentile to see
        contrast = _stroke_contrast(ink, peak / 2)
        if contrast < FAINT_INK:
            return None
        if contrast < MIN_INK:  # visible, so "blank" would puzzle; fainter than MIN_INK, paper grain passes for strokes
            raise FaintDrawingError(
                f"the strokes are too faint to read: they differ from the paper by {contrast * 255:.0f} grey levels out "
                f"of 255, and at least {np.ceil(MIN_INK * 255):.0f} are needed; darken them, or photograph them in "
                "stronger light"
            )
        # A thin stroke on a big, grainy photo: the percentile measured the grain. Take the stroke's
        # contrast as full ink, and the grain's level as none.
        ink, peak = np.clip(ink - peak / 2, 0, None), contrast - peak / 2
    ink = _drop_specks(np.clip(ink / peak, 0, 1))
    rows, cols = np.nonzero(ink > STROKE_LEVEL)
    if len(rows) == 0:
        return None
    crop = _thickened(ink[rows.min(): rows.max() + 1, cols.min(): cols.max() + 1])
    glyph = np.clip(_resize_to_fit(crop, BOX_SIZE, Image.Resampling.LANCZOS), 0, 1)  # (h, w), longer side 20
    glyph = glyph / max(glyph.max(), 1e-6)  # a thin pen line shrinks to grey; MNIST strokes all peak at full ink
    height, width = glyph.shape
    digit = np.zeros((DIGIT_SIZE, DIGIT_SIZE), dtype=np.float32)
    top, left = (DIGIT_SIZE - height) // 2, (DIGIT_SIZE - width) // 2
    digit[top: top + height, left: left + width] = glyph
    if digit.sum() <= 0:
        return None
    shift_rows, shift_cols = _centre_of_mass_shift(digit)
    # Keep the whole glyph inside the field: limit the shift by the free margin on each side.
    shift_rows = int(np.clip(shift_rows, -top, DIGIT_SIZE - top - height))
    shift_cols = int(np.clip(shift_cols, -left, DIGIT_SIZE - left - width))
    return np.roll(digit, (shift_rows, shift_cols), axis=(0, 1))
