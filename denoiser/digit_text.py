"""A 28x28 digit as a short text, so that the web page, not the server, holds the current drawing.

Gradio deletes a session's server-side state an hour after the session's connection drops (a phone
tab put in the background, a laptop asleep, a network blip) and whenever the process restarts; the
pictures then went blank under a canvas that still showed the digit. Held by the page as text, the
digit survives both. Its float32 bytes in base64 keep it exact, in about 4 KB.
"""

from __future__ import annotations

import base64
import binascii

import numpy as np

DIGIT_SHAPE = (28, 28)
_DIGIT_BYTES = DIGIT_SHAPE[0] * DIGIT_SHAPE[1] * 4  # float32
_TEXT_LENGTH = 4 * -(-_DIGIT_BYTES // 3)  # base64: 4 characters per 3 bytes, padded


def digit_to_text(digit: np.ndarray | None) -> str:
    """`(28, 28)` digit in [0, 1] -> base64 text of its float32 bytes; None (a blank canvas) -> ""."""
    if digit is None:
        return ""
    digit = np.asarray(digit)
    if digit.shape != DIGIT_SHAPE:
        raise ValueError(f"a digit must be {DIGIT_SHAPE[0]}x{DIGIT_SHAPE[1]}, got shape {digit.shape}")
    return base64.b64encode(digit.astype("<f4").tobytes()).decode("ascii")


def text_to_digit(text: str | None) -> np.ndarray | None:
    """The inverse of `digit_to_text`: `(28, 28)` float32 in [0, 1], or None for "" (a blank canvas).

    The text comes back from a browser, so anything else is refused with a ValueError that says so.
    """
    if not text:
        return None
    if len(text) != _TEXT_LENGTH:  # before decoding: a browser may send anything, of any size
        raise ValueError(f"the page sent a damaged digit ({len(text)} characters, not {_TEXT_LENGTH}): draw the digit again")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the page sent a damaged digit (not base64): draw the digit again") from None
    if len(raw) != _DIGIT_BYTES:
        raise ValueError(f"the page sent a damaged digit ({len(raw)} bytes, not {_DIGIT_BYTES}): draw the digit again")
    digit = np.frombuffer(raw, dtype="<f4").reshape(DIGIT_SHAPE).astype(np.float32)
    if not np.all((digit >= 0) & (digit <= 1)):  # also false for NaN
        raise ValueError("the page sent a damaged digit (values outside [0, 1]): draw the digit again")
    return digit
