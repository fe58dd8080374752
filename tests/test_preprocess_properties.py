"""Property-based: any image in gives a valid 28x28 digit in [0, 1], None for blank, or a clear error."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from denoiser.preprocess import DrawingError, drawing_to_digit

dtypes = st.sampled_from([np.uint8, np.uint16, np.float32, np.float64, np.int32, np.bool_])
shapes = st.one_of(
    array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=300),
    st.tuples(st.integers(1, 300), st.integers(1, 300), st.sampled_from([1, 2, 3, 4])),
)


def check(image) -> None:
    try:
        digit = drawing_to_digit(image)
    except DrawingError as error:
        assert str(error)  # refused, and says why
        return
    if digit is not None:
        assert digit.shape == (28, 28) and digit.dtype == np.float32
        assert np.isfinite(digit).all() and digit.min() >= 0 and digit.max() <= 1


@settings(max_examples=150, deadline=None)
@given(arrays(dtypes, shapes))
def test_any_array_gives_a_valid_digit_or_none_or_a_clear_error(image):
    check(image)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=12),
              elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_any_shape_and_non_finite_values_are_handled(image):
    check(image)


@st.composite
def stroke_drawings(draw):
    """A canvas of any size and polarity (opaque, or strokes on transparency) with one clear thick stroke."""
    from PIL import Image, ImageDraw

    size = draw(st.integers(40, 400))
    start = draw(st.tuples(st.floats(0.1, 0.9), st.floats(0.1, 0.9)))
    end = draw(st.tuples(st.floats(0.1, 0.9), st.floats(0.1, 0.9)).filter(
        lambda point: np.hypot(point[0] - start[0], point[1] - start[1]) >= 0.2))
    width = max(2, round(draw(st.floats(0.03, 0.1)) * size))
    canvas = draw(st.sampled_from(["dark on white", "light on black", "dark on transparent", "white paper, clear corner"]))
    background, ink = {"dark on white": ((255, 255, 255, 255), (0, 0, 0, 255)),
                       "light on black": ((0, 0, 0, 255), (255, 255, 255, 255)),
                       "dark on transparent": ((0, 0, 0, 0), (0, 0, 0, 255)),
                       "white paper, clear corner": ((255, 255, 255, 255), (0, 0, 0, 255))}[canvas]
    image = Image.new("RGBA", (size, size), background)
    ImageDraw.Draw(image).line([(start[0] * size, start[1] * size), (end[0] * size, end[1] * size)], fill=ink, width=width)
    pixels = np.asarray(image).copy()
    if canvas == "white paper, clear corner":  # a screenshot with a rounded corner, say
        pixels[: size // 10, : size // 10, 3] = 0
    return pixels


@settings(max_examples=80, deadline=None)
@given(stroke_drawings())
def test_a_clear_stroke_is_never_taken_for_a_blank_canvas(image):
    digit = drawing_to_digit(image)
    assert digit is not None and digit.max() == pytest.approx(1.0)  # full ink at its brightest, like MNIST
