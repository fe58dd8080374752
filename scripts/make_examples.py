"""Draw the example digits committed in examples/: black mouse-like strokes on a white 280x280 canvas.

    python scripts/make_examples.py
They are drawn from stroke paths (not copied from MNIST), so they look like sketchpad input.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def arc(cx, cy, rx, ry, start_deg, end_deg, steps=24):
    """Points along an ellipse arc; angles in degrees, clockwise from 3 o'clock (screen coordinates)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(start_deg, end_deg, steps)]


STROKES = {
    "0": [arc(140, 140, 62, 95, 0, 360, 40)],
    "2": [[*arc(138, 95, 55, 50, 200, 380), (105, 200), (80, 232), (200, 230)]],
    "3": [arc(135, 88, 52, 45, 210, 450) + arc(135, 180, 58, 52, 270, 510)[1:]],
    "4": [[(170, 40), (70, 175), (210, 175)], [(165, 110), (160, 245)]],
    "5": [[(195, 45), (100, 45), (92, 125), *arc(135, 170, 62, 58, 240, 470)]],
    "7": [[(75, 50), (205, 50), (125, 245)], [(110, 145), (185, 145)]],
    "8": [arc(140, 88, 45, 45, 90, 450, 36), arc(140, 182, 58, 52, 270, 630, 40)],
    "9": [arc(140, 95, 52, 48, 0, 360, 36), [(192, 95), (180, 245)]],
}


def draw_digit(strokes, width: int = 22, jitter: float = 2.0, seed: int = 0) -> Image.Image:
    """Strokes drawn with a round pen and a little hand jitter."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (280, 280), "white")
    pen = ImageDraw.Draw(image)
    for stroke in strokes:
        points = [(x + rng.normal(0, jitter), y + rng.normal(0, jitter)) for x, y in stroke]
        pen.line(points, fill="black", width=width, joint="curve")
        for x, y in (points[0], points[-1]):
            pen.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill="black")
    return image


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "examples"
    out.mkdir(exist_ok=True)
    for index, (name, strokes) in enumerate(STROKES.items()):
        draw_digit(strokes, seed=index).save(out / f"digit_{name}.png", optimize=True)
    print(f"wrote {len(STROKES)} examples to {out}")
