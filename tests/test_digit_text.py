"""The digit the web page holds as text comes back exactly, and damaged text is refused."""

import base64

import numpy as np
import pytest

from denoiser.digit_text import digit_to_text, text_to_digit


def test_a_digit_comes_back_bit_for_bit():
    digit = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    back = text_to_digit(digit_to_text(digit))
    assert back.dtype == np.float32 and back.shape == (28, 28)
    assert np.array_equal(back, digit)


def test_a_blank_canvas_is_the_empty_text():
    assert digit_to_text(None) == ""
    assert text_to_digit("") is None and text_to_digit(None) is None


def test_the_text_stays_small_enough_to_send_with_every_slider_step():
    assert len(digit_to_text(np.zeros((28, 28)))) < 4200


def test_a_digit_of_another_size_is_refused():
    with pytest.raises(ValueError, match="28x28"):
        digit_to_text(np.zeros((28, 29)))


@pytest.mark.parametrize("text, reason", [
    ("!" * 4184, "not base64"),
    ("ü" * 4184, "not base64"),
    (base64.b64encode(b"\0" * 100).decode(), "136 characters, not 4184"),
    ("A" * 100_000_000, "100000000 characters"),  # refused before decoding: a browser may send anything
    (base64.b64encode(np.full((28, 28), 2.0, dtype="<f4").tobytes()).decode(), r"outside \[0, 1\]"),
    (base64.b64encode(np.full((28, 28), np.nan, dtype="<f4").tobytes()).decode(), r"outside \[0, 1\]"),
])
def test_damaged_text_is_refused_with_a_message_that_says_what_to_do(text, reason):
    with pytest.raises(ValueError, match=reason) as error:
        text_to_digit(text)
    assert "draw the digit again" in str(error.value)
