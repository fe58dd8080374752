"""How the interface is wired: the properties a browser test can only catch by luck."""

import app


def test_every_live_control_feeds_one_listener_so_answers_cannot_arrive_out_of_order():
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
