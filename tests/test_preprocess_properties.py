"""Property-based: any image in gives a valid 28x28 digit in [0, 1], None for blank, or a clear error."""

import numpy as np
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
