"""How the interface is wired: the properties a browser test can only catch by luck."""

from pathlib import Path

import gradio as gr
import numpy as np

import app


def test_every_live_control_feeds_one_listener_that_runs_one_call_at_a_time():
    """Two listeners could each run a call at once; the older, finishing last, would win the screen."""
    live = [block_fn for block_fn in app.demo.fns.values() if block_fn.fn is app.on_canvas]
    assert len(live) == 1
    listener = live[0]
    assert listener.trigger_mode == "always_last"
    triggers = set(listener.targets)  # (block id, event name)
    controls = {"sketch": "change", "factor": "input", "kind": "change", "seed": "change",
                "show-filters": "change", "show-features": "change"}
    ids = {block.elem_id: block._id for block in app.demo.blocks.values() if getattr(block, "elem_id", None)}
    for elem_id, event in controls.items():
        assert (ids[elem_id], event) in triggers, f"{elem_id}.{event} does not reach the live listener"


def a_drawing() -> dict:
    """What the sketchpad sends for a dark vertical stroke on white: the editor's composite."""
    composite = np.full((280, 280, 4), 255, dtype=np.uint8)
    composite[60:220, 130:150, :3] = 0
    return {"background": None, "layers": [], "composite": composite}


def test_a_closed_panel_is_left_alone_so_a_late_answer_cannot_blank_an_open_one():
    closed = app.on_canvas(a_drawing(), 0.4, "gaussian", 0, False, False)
    opened = app.on_canvas(a_drawing(), 0.4, "gaussian", 0, True, True)
    skip = gr.skip()
    assert closed[5] == skip and closed[6] == skip and closed[7] == skip
    assert len(opened[5]) == 4 and all(Path(path).exists() for path in opened[6:8])
    assert all(Path(path).exists() for path in closed[:4]) and "dB" in closed[4]  # the digit pictures always come
