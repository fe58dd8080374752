"""Drawing to digit: any sketch or photo becomes an MNIST-style 28x28 digit, or None when blank."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from denoiser.ink import _strokes_are_dark
from denoiser.preprocess import DrawingError, FaintDrawingError, drawing_to_digit

SEVEN = [(0.35, 0.2), (0.65, 0.2), (0.45, 0.8)]


def draw(size=(400, 400), mode="RGBA", background=(0, 0, 0, 0), ink=(0, 0, 0, 255), points=SEVEN, width=0.06):
    """A '7' drawn with a thick pen; point coordinates are fractions of the canvas."""
    image = Image.new(mode, size, background)
    w, h = size
    ImageDraw.Draw(image).line([(x * w, y * h) for x, y in points], fill=ink, width=max(1, int(width * min(w, h))))
    return image


def centre_of_mass(digit):
    rows, cols = np.indices(digit.shape)
    return (rows * digit).sum() / digit.sum(), (cols * digit).sum() / digit.sum()


def ink_box(digit):
    rows, cols = np.nonzero(digit > 0.05)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def assert_mnist_like(digit):
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert digit.min() >= 0 and digit.max() <= 1 and digit.max() > 0.9
    assert max(ink_box(digit)) in range(19, 23)  # fits the 20x20 box (anti-aliasing may spill a pixel)
    row, col = centre_of_mass(digit)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5
    assert digit[0].max() == 0 and digit[-1].max() == 0  # background stays black at the border


def test_dark_strokes_on_transparent_canvas_become_light_on_black():
    assert_mnist_like(drawing_to_digit(np.asarray(draw())))


def test_dark_strokes_on_white_canvas():
    assert_mnist_like(drawing_to_digit(np.asarray(draw(mode="RGB", background=(255, 255, 255), ink=(0, 0, 0)))))


def test_light_strokes_on_black_canvas():
    assert_mnist_like(drawing_to_digit(np.asarray(draw(mode="L", background=0, ink=255))))


def test_white_strokes_on_transparent_canvas():
    assert_mnist_like(drawing_to_digit(np.asarray(draw(ink=(255, 255, 255, 255)))))


def test_coloured_pen_on_white_paper():
    assert_mnist_like(drawing_to_digit(draw(mode="RGB", background=(250, 245, 235), ink=(20, 40, 160))))


@pytest.mark.parametrize("seed", range(8))
def test_centre_of_mass_lands_where_mnist_puts_it(seed):
    """MNIST shifts each digit by whole pixels so its centre of mass is within half a pixel of (14, 14).

    (Measured on the 10000 training digits in ../shared/data: every one lies in [13.5, 14.5] on both
    axes, mean 14.00.) Centring on 13.5 instead left three in four digits a pixel up or left of it.
    """
    rng = np.random.default_rng(seed)
    points = [tuple(rng.uniform(0.1, 0.9, 2)) for _ in range(4)]  # a random scrawl, off-centre in its box
    row, col = centre_of_mass(drawing_to_digit(draw(mode="L", background=255, ink=0, points=points, width=0.05)))
    assert 13.5 <= row <= 14.5 and 13.5 <= col <= 14.5


def test_off_centre_drawing_is_centred_by_mass():
    corner = [(x * 0.4 + 0.55, y * 0.4 + 0.55) for x, y in SEVEN]
    assert_mnist_like(drawing_to_digit(np.asarray(draw(points=corner, width=0.03))))


def test_tiny_drawing_is_scaled_up_to_the_box():
    tiny = [(x * 0.05 + 0.1, y * 0.05 + 0.1) for x, y in SEVEN]
    assert_mnist_like(drawing_to_digit(np.asarray(draw(points=tiny, width=0.008))))


def test_huge_canvas_is_handled():
    digit = drawing_to_digit(draw(size=(4000, 4000), mode="L", background=255, ink=0))
    assert_mnist_like(digit)


def test_wide_drawing_keeps_its_aspect_ratio():
    dash = [(0.1, 0.5), (0.9, 0.5)]
    digit = drawing_to_digit(np.asarray(draw(points=dash, width=0.05)))
    height, width = ink_box(digit)
    assert width in range(19, 23) and height <= 5


def test_empty_canvas_gives_none():
    assert drawing_to_digit(np.zeros((300, 300, 4), np.uint8)) is None


@pytest.mark.parametrize("grey", [0, 128, 255])
def test_uniform_image_gives_none(grey):
    assert drawing_to_digit(np.full((64, 64, 3), grey, np.uint8)) is None


def test_one_pixel_image_gives_none_not_an_error():
    assert drawing_to_digit(np.zeros((1, 1), np.uint8)) is None


def test_sixteen_bit_and_float_inputs_agree_with_eight_bit():
    eight = np.asarray(draw(mode="L", background=0, ink=255))
    reference = drawing_to_digit(eight)
    assert np.allclose(drawing_to_digit(eight.astype(np.uint16) * 257), reference, atol=1e-4)
    assert np.allclose(drawing_to_digit(eight / 255.0), reference, atol=1e-4)


@pytest.mark.parametrize("paper", [(220, 30, 30), (150, 110, 70), (120, 120, 120), (60, 60, 70)],
                         ids=["red paper", "kraft", "grey card", "an underexposed page"])
def test_dark_pen_on_paper_darker_than_mid_grey_is_read_as_dark_strokes(paper):
    """The polarity came from the paper's level alone (above mid-grey: dark strokes), so a black marker on
    red paper (grey level 87 of 255) or on a dim photo of a page was read inverted: paper as ink."""
    on_white = drawing_to_digit(draw(mode="RGB", background=(255, 255, 255), ink=(10, 10, 10)))
    on_paper = drawing_to_digit(draw(mode="RGB", background=paper, ink=(10, 10, 10)))
    assert correlation(on_paper, on_white) > 0.98


@pytest.mark.parametrize("surround", ["desk, 10 px", "desk, 60 px", "frame line, 1 px", "frame line, 4 px"])
def test_a_page_inside_a_darker_desk_or_a_frame_line_is_read_as_the_page(surround):
    """The border decided what paper looks like, so a dark desk round a photographed page, or a frame
    line round a cropped form cell, made the page itself the ink: the digit came out as a hole in a slab."""
    page = draw(mode="L", background=235, ink=30)
    what, size = surround.split(", ")
    margin = int(size.split()[0])
    if what == "desk":
        photo = Image.new("L", (400 + 2 * margin, 400 + 2 * margin), 50)
        photo.paste(page, (margin, margin))
    else:
        photo = page.copy()
        ImageDraw.Draw(photo).rectangle([0, 0, 399, 399], outline=0, width=margin)
    assert correlation(drawing_to_digit(photo), drawing_to_digit(page)) > 0.98


def test_a_tilted_page_on_a_desk_is_read_as_the_page():
    """Cutting the page out by its bounding box left desk corners beside a page 3 degrees off straight."""
    page = draw(mode="L", background=235, ink=30)
    tilted = page.rotate(3, expand=True, fillcolor=50)
    photo = Image.new("L", (tilted.width + 40, tilted.height + 40), 50)
    photo.paste(tilted, (20, 20))
    assert correlation(drawing_to_digit(photo), drawing_to_digit(page.rotate(3, expand=True, fillcolor=235))) > 0.98


def test_a_bold_light_stroke_covering_most_of_a_black_picture_is_the_digit_not_a_page():
    bar = Image.new("L", (400, 400), 0)
    ImageDraw.Draw(bar).line([(200, 20), (200, 380)], fill=255, width=240)  # 54% of the pixels
    digit = drawing_to_digit(bar)
    assert digit is not None and digit.sum() > 100


@pytest.mark.parametrize("corners", [105, 75])
def test_a_strongly_vignetted_photo_is_not_taken_for_a_page_on_a_desk(corners):
    """The bright middle of a vignette looked like a page, and its dark corners like a desk to paint over."""
    rows, cols = np.mgrid[0:400, 0:400]
    paper = 235 - (235 - corners) * ((rows - 200) ** 2 + (cols - 200) ** 2) / (2 * 200**2)
    photo = Image.fromarray(paper.astype(np.uint8))
    ImageDraw.Draw(photo).line([(x * 400, y * 400) for x, y in SEVEN], fill=40, width=24)
    even = draw(mode="L", background=230, ink=40)
    assert correlation(drawing_to_digit(photo), drawing_to_digit(even)) > 0.95


@pytest.mark.parametrize("case", ["chalk on a grey board, a black frame along one side",
                                  "pencil on a grey page, a lit white strip along one side"])
def test_a_strip_along_one_side_does_not_outvote_the_papers_level(case):
    chalk = case.startswith("chalk")
    photo = draw(mode="L", background=110 if chalk else 180, ink=200 if chalk else 110)
    ImageDraw.Draw(photo).rectangle([0, 0, 19, 399] if chalk else [380, 0, 399, 399], fill=0 if chalk else 255)
    reference = draw(mode="L", background=0, ink=255) if chalk else draw(mode="L", background=255, ink=0)
    assert correlation(drawing_to_digit(photo), drawing_to_digit(reference)) > 0.98


@pytest.mark.parametrize("seed", range(12))
def test_the_grain_round_a_small_pen_digit_does_not_flip_its_polarity(seed):
    """Where strokes are under half a percent of the pixels, the percentiles measure grain alone:
    deciding by them alone read a 2 px pen on grey paper as light strokes in 4 of these 12 photos."""
    small = [(0.38, 0.3), (0.5, 0.3), (0.42, 0.54)]
    clean = draw(size=(600, 450), mode="L", background=170, ink=60, points=small, width=2 / 450)
    photo = np.clip(np.asarray(clean, float) + np.random.default_rng(seed).normal(0, 10, (450, 600)), 0, 255)
    assert _strokes_are_dark(photo.astype(np.uint8) / 255)


def test_white_chalk_on_a_grey_board_is_read_as_light_strokes():
    on_black = drawing_to_digit(draw(mode="L", background=0, ink=255))
    assert correlation(drawing_to_digit(draw(mode="L", background=150, ink=250)), on_black) > 0.98


def test_float_arrays_of_0_to_255_pixels_read_like_the_bytes_they_came_from():
    photo = np.asarray(draw(mode="L", background=200, ink=40))  # dark pen on grey paper
    assert np.allclose(drawing_to_digit(photo.astype(np.float32)), drawing_to_digit(photo), atol=1e-4)


@pytest.mark.parametrize("shading", ["left to right", "dark corners"])
def test_a_photo_under_uneven_light_reads_like_the_same_digit_on_even_paper(shading):
    rows, cols = np.mgrid[0:600, 0:600]
    paper = {"left to right": 170 + 70 * cols / 599,  # 70 grey levels darker on one side: read as a slab of ink
             "dark corners": 235 - 120 * ((rows - 300) ** 2 + (cols - 300) ** 2) / (2 * 300**2)}[shading]
    def photo(background: np.ndarray) -> Image.Image:
        image = Image.fromarray(background.astype(np.uint8))
        ImageDraw.Draw(image).line([(180, 150), (420, 150), (270, 470)], fill=40, width=28)
        return image
    even, uneven = drawing_to_digit(photo(np.full((600, 600), 230.0))), drawing_to_digit(photo(paper))
    assert uneven[even < 0.05].sum() < 2  # no shading read as ink where the digit is not
    assert np.abs(uneven - even).sum() < 0.1 * even.sum()


def test_a_solid_blob_wider_than_the_shading_window_is_still_drawn():
    canvas = np.full((280, 280), 255, np.uint8)
    canvas[40:240, 40:240] = 0  # not shading: far darker than uneven light makes paper
    digit = drawing_to_digit(canvas)
    assert digit is not None and digit.max() == pytest.approx(1.0) and digit.sum() > 300


def test_a_very_flat_wide_array_is_read_not_refused_as_having_no_pixels():
    strip = np.zeros((4, 3000), np.uint8)
    strip[1:3, 500:2500] = 255  # shrinking it by whole 5x5 blocks used to leave zero rows
    digit = drawing_to_digit(strip)
    assert digit is not None and digit.shape == (28, 28)


def test_palette_image_with_a_transparent_index():
    image = draw(mode="P", background=0, ink=1)
    image.putpalette([255, 255, 255, 0, 0, 0])  # index 0 white (and transparent), index 1 black
    image.info["transparency"] = 0
    assert_mnist_like(drawing_to_digit(image))


def test_a_float_image_of_0_to_255_values_is_read_like_its_8_bit_original():
    """PIL's convert("F") keeps 0..255; read as 0..1 and clipped, every pixel but black became white: blank."""
    pen = draw(mode="L", background=255, ink=40)  # a grey pen: not 0, so it clipped to paper
    assert np.array_equal(drawing_to_digit(pen.convert("F")), drawing_to_digit(pen))


@pytest.mark.parametrize("mode", ["PA", "La"])
def test_rarer_alpha_modes_read_like_rgba(mode):
    """A big PA image lost its palette in the huge-input shrink (read as blank); La raised PIL's error."""
    pen = draw(size=(1500, 1500), mode="RGBA", background=(255, 255, 255, 255), ink=(0, 0, 0, 255))
    converted = pen.convert("P").convert("PA") if mode == "PA" else pen.convert(mode)
    assert correlation(drawing_to_digit(converted), drawing_to_digit(pen)) > 0.99


@pytest.mark.parametrize("shape", [(28,), (4, 4, 4, 4), (10, 10, 7), (0, 5)])
def test_impossible_array_shapes_are_refused_clearly(shape):
    with pytest.raises(DrawingError):
        drawing_to_digit(np.zeros(shape))


def test_text_arrays_are_refused_clearly():
    with pytest.raises(DrawingError, match="numeric"):
        drawing_to_digit(np.array([["a", "b"], ["c", "d"]]))


def correlation(a, b):
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_photo_with_transparent_corners_reads_its_dark_strokes_not_its_paper():
    photo = draw(mode="RGBA", background=(255, 255, 255, 255), ink=(0, 0, 0, 255))
    plain = drawing_to_digit(photo.convert("RGB"))
    cut = np.asarray(photo).copy()
    cut[:40, :40, 3] = 0  # a rounded-corner screenshot, say
    assert correlation(drawing_to_digit(cut), plain) > 0.95


def test_picture_letterboxed_on_a_transparent_canvas_reads_its_strokes():
    picture = draw(size=(300, 300), mode="RGB", background=(255, 255, 255), ink=(0, 0, 0))
    canvas = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    canvas.paste(picture, (50, 50))
    assert correlation(drawing_to_digit(canvas), drawing_to_digit(picture)) > 0.95


@pytest.mark.parametrize(("size", "shading"), [((280, 210), "left to right"), ((280, 158), "vignette")])
def test_a_shaded_photo_letterboxed_by_the_sketchpad_reads_like_the_photo_itself(size, shading):
    # The sketchpad fits a non-square upload into its square canvas with transparent bands. Filled with
    # one flat paper grey, they met the shaded paper in a step that read as ink: a shrunken digit beside a slab.
    width, height = size
    rows, cols = np.mgrid[0:height, 0:width]
    darkening = {"left to right": 40 * cols / width,
                 "vignette": 56 * np.hypot(cols / width - 0.5, rows / height - 0.5)}[shading]
    photo = Image.fromarray(np.clip(235 - darkening, 0, 255).astype(np.uint8)).convert("RGB")
    side = min(size)
    ImageDraw.Draw(photo).line([(width / 2 - 0.2 * side, height / 2 - 0.3 * side), (width / 2 + 0.2 * side,
                               height / 2 - 0.3 * side), (width / 2 - 0.05 * side, height / 2 + 0.3 * side)],
                               fill=(20, 20, 20), width=round(0.05 * side))
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    canvas.paste(photo, ((280 - width) // 2, (280 - height) // 2))
    assert np.abs(drawing_to_digit(canvas) - drawing_to_digit(photo)).max() < 1e-6


@pytest.mark.parametrize(("size", "corner_radius"), [((91, 280), 0), ((280, 127), 0), ((40, 280), 0), ((91, 280), 25)],
                         ids=["tall 1:3", "wide 2.2:1", "strip 1:7", "tall 1:3, rounded corners"])
def test_a_photo_narrower_than_half_the_canvas_letterboxed_by_the_sketchpad_reads_like_the_photo(size, corner_radius):
    # Covering under half the canvas, it was read as strokes on a transparent layer: its paper became the ink.
    photo = draw(size=size, mode="RGB", background=(236, 234, 228), ink=(40, 40, 50), points=[(0.5, 0.1), (0.5, 0.9)],
                 width=0.3)
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([(0, 0), (size[0] - 1, size[1] - 1)], radius=corner_radius, fill=255)
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    canvas.paste(photo, ((280 - size[0]) // 2, (280 - size[1]) // 2), mask)
    assert correlation(drawing_to_digit(canvas), drawing_to_digit(photo)) > 0.99


def test_one_straight_stroke_across_the_whole_canvas_is_still_a_stroke():
    canvas = draw(size=(280, 280), points=[(0.5, 0.0), (0.5, 1.0)], width=0.04)  # the brush, top to bottom
    digit = drawing_to_digit(canvas)
    assert digit.max() == 1 and digit[:, :10].max() == 0 and digit[:, -10:].max() == 0  # a light bar, not a dark one


@pytest.mark.parametrize("level", [235, 245])  # 20 and 10 grey levels below white: plain to see, too faint to read
def test_strokes_a_person_can_see_but_too_faint_to_read_are_refused_saying_so_not_called_blank(level):
    with pytest.raises(FaintDrawingError, match=rf"too faint to read: they differ from the paper by {255 - level} grey levels"):
        drawing_to_digit(draw(mode="L", background=255, ink=level))
    assert drawing_to_digit(draw(mode="L", background=255, ink=220)) is not None  # 35 levels read fine
    assert drawing_to_digit(Image.new("L", (400, 400), 255)) is None  # and white paper is blank


def grainy_photo(size, grain, line_darkness=None, line_width=5, seed=0):
    """A phone-photo stand-in: paper at 235 with sensor grain (std in grey levels), JPEG-compressed, maybe a pen 7."""
    photo = Image.new("L", size, 235) if line_darkness is None else \
        draw(size=size, mode="L", background=235, ink=235 - line_darkness, width=line_width / min(size))
    pixels = np.asarray(photo, float) + np.random.default_rng(seed).normal(0, grain, photo.size[::-1])
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=85)
    return Image.open(buffer)


@pytest.mark.parametrize("size", [(280, 210), (800, 600)])
def test_grainy_blank_paper_is_blank_not_too_faint(size):
    assert drawing_to_digit(grainy_photo(size, grain=6)) is None


@pytest.mark.parametrize(("size", "grain", "line_width"), [((1500, 1500), 1, 5), ((4000, 3000), 3, 8)])
def test_a_thin_pen_line_on_a_big_grainy_photo_reads_like_the_same_photo_without_grain(size, grain, line_width):
    # Covering well under 1% of the pixels, the line escaped the 99th-percentile contrast, which measured the grain.
    with_grain = drawing_to_digit(grainy_photo(size, grain, line_darkness=90, line_width=line_width))
    without = drawing_to_digit(grainy_photo(size, 0, line_darkness=90, line_width=line_width))
    assert correlation(with_grain, without) > 0.98


def stroke_width(digit):
    """Mean stroke width of a 28x28 digit in pixels: stroke area over skeleton length."""
    from skimage.morphology import skeletonize

    return digit.sum() / skeletonize(digit > 0.5).sum()


@pytest.mark.parametrize("pen_px", [3, 5])
def test_a_pen_line_on_a_photographed_page_is_widened_to_mnist_strokes(pen_px):
    # At MNIST's scale a pen line is a 1 to 1.5 px hairline, where MNIST's strokes are about 2.6 px;
    # the default model denoised such hairlines 4 to 5 dB worse at gaussian 0.4.
    page = draw(size=(1000, 1000), mode="L", background=235, ink=40, width=pen_px / 1000)
    assert 1.9 <= stroke_width(drawing_to_digit(page)) <= 3.0


def test_strokes_already_as_wide_as_mnists_are_left_as_they_are(monkeypatch):
    thick = draw()  # the brush's width, like a drawing on the canvas
    as_drawn = drawing_to_digit(thick)
    monkeypatch.setattr("denoiser.preprocess.MIN_STROKE_WIDTH", 0.0)  # widening off
    assert np.array_equal(as_drawn, drawing_to_digit(thick))


def test_a_speck_of_dust_far_from_the_digit_changes_nothing():
    paper = draw(mode="L", background=255, ink=0)
    dusty = np.asarray(paper).copy()
    dusty[3:5, 3:5] = 0
    assert np.allclose(drawing_to_digit(dusty), drawing_to_digit(paper), atol=1e-6)


def test_a_drawing_of_only_a_dot_is_still_drawn():
    dot = np.full((100, 100), 255, dtype=np.uint8)
    dot[40:50, 40:50] = 0
    assert drawing_to_digit(dot) is not None


def test_a_huge_photo_is_shrunk_before_float_copies_are_made():
    import tracemalloc

    photo = draw(size=(5000, 5000), mode="RGB", background=(255, 255, 255), ink=(0, 0, 0))
    tracemalloc.start()
    digit = drawing_to_digit(photo)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert_mnist_like(digit)
    assert peak < 100e6, f"peak {peak / 1e6:.0f} MB for a 25-megapixel photo"


def test_a_thin_pen_line_on_a_big_canvas_keeps_full_ink_like_an_mnist_stroke():
    """Shrunk 12x into the 20x20 box, a 3 px line is a quarter pixel wide: it is widened, and not faint."""
    canvas = Image.new("L", (300, 300), 255)
    ImageDraw.Draw(canvas).line([(30, 30), (270, 270)], fill=0, width=3)
    digit = drawing_to_digit(canvas)
    assert digit.max() == pytest.approx(1.0)
    assert 1.9 <= stroke_width(digit) <= 3.0  # as wide as MNIST's strokes, not a hairline
