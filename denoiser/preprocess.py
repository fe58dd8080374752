"""Drawing to digit: turn a sketch or a photo into the 28x28 MNIST-style digit the models expect.

MNIST digits are light strokes on black, scaled to fit a 20x20 box (aspect ratio kept),
anti-aliased, and placed in a 28x28 field so that their centre of mass is at pixel (14, 14). Sketchpads
give dark strokes on a white or transparent canvas, and uploads can be anything; this module
brings all of them to that convention.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.morphology import skeletonize

DIGIT_SIZE = 28
BOX_SIZE = 20  # MNIST fits each digit into 20x20 before centring it in 28x28
MIN_INK = 0.08  # strokes need at least this contrast (out of 1) to be read ...
FAINT_INK = 0.03  # ... and fainter ones than this count as an empty canvas
MIN_STROKE_PIXELS, MIN_STROKE_SHARE = 30, 0.002  # a faint or thin stroke is one blob of at least this size (grain: specks)
MIN_SPECK_SHARE = 0.01  # separate blobs with less of the ink than this are dust, not strokes
STROKE_LEVEL = 0.1  # ink above this (out of 1) is stroke: it makes blobs and bounds the crop; fainter is anti-aliasing
PAGE_TOLERANCE = 0.15  # pixels within this of a level (out of 1) count as the same surface (paper, desk)
PAGE_FILL = 0.85  # a page fills at least this share of its bounding box (a tilted one ~0.95; a vignette's bright disc ~0.79)
SHADING_MAX = 0.5  # uneven light darkens paper by less than this (out of 1); more is a drawn blob
LETTERBOX_MIN_SHARE = 0.08  # a letterboxed photo is at least this share of the canvas across (a 1:12 strip)
LETTERBOX_FILL = 0.95  # ... and opaque nearly all over (rounded photo corners: ~0.98; strokes have gaps)
MIN_STROKE_WIDTH, TARGET_STROKE_WIDTH = 1.6, 2.2  # strokes thinner than this (px in the 20x20 box) are widened to that
WORKING_SIZE = 512  # larger inputs are first shrunk to this (box filter): enough for a 20 px digit


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
    border shows (a page photographed on a desk, or inside a frame line, is cut out first), so
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
    paper = _border_median(grey)
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


def _border_median(values: np.ndarray) -> float:
    """Median of the outermost rows and columns of `(H, W)` `values`: what the background shows."""
    return float(np.median(_border(values)))


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
    ink = np.clip(ink - _border_median(ink), 0, None)
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
