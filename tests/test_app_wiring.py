"""How the interface is wired: the properties a browser test can only catch by luck."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
from PIL import Image

import app
from denoiser.demo import EMPTY_HINT
from denoiser.digit_text import digit_to_text, text_to_digit


def test_every_live_control_feeds_one_listener_that_runs_one_call_at_a_time():
    """Two listeners could each run a call at once; the older, finishing last, would win the screen."""
    live = [block_fn for block_fn in app.demo.fns.values() if block_fn.fn is app.on_canvas]
    assert len(live) == 1
    listener = live[0]
    assert listener.trigger_mode == "always_last"  # per browser tab: one call running, one waiting
    assert listener.concurrency_id == "model"  # shared with /denoise, and limited to WORKERS calls at once
    triggers = set(listener.targets)  # (block id, event name)
    controls = {"factor": "input", "kind": "change", "noise-seed": "change", "show-filters": "change", "show-features": "change"}
    ids = {block.elem_id: block._id for block in app.demo.blocks.values() if getattr(block, "elem_id", None)}
    for elem_id, event in controls.items():
        assert (ids[elem_id], event) in triggers, f"{elem_id}.{event} does not reach the live listener"
    digit = listener.inputs[0]
    assert (digit._id, "change") in triggers  # a new drawing reaches it too


def test_the_drawing_travels_once_per_change_not_with_every_slider_step():
    """Sending the sketchpad with each step queued seconds of uploads behind a drag, out of order."""
    (live,) = [block_fn for block_fn in app.demo.fns.values() if block_fn.fn is app.on_canvas]
    assert not any(isinstance(block, gr.ImageEditor) for block in live.inputs)
    readers = [block_fn for block_fn in app.demo.fns.values() if block_fn.fn is app.read_sketch]
    sketch = next(block for block in app.demo.blocks.values() if getattr(block, "elem_id", None) == "sketch")
    events = {target for reader in readers for target in reader.targets if target[0] == sketch._id}
    assert {(sketch._id, "change"), (sketch._id, "upload")} <= events
    assert all(reader.outputs == [live.inputs[0]] for reader in readers)  # each one writes the live listener's digit
    assert any(all(target[0] != sketch._id for target in reader.targets) for reader in readers), (
        "an example's click must read its drawing too: loading it fires no change of the sketchpad"
    )


def a_drawing() -> dict:
    """What the sketchpad sends for a dark vertical stroke on white: the editor's composite."""
    composite = np.full((280, 280, 4), 255, dtype=np.uint8)
    composite[60:220, 130:150, :3] = 0
    return {"background": None, "layers": [], "composite": composite}


def test_a_closed_panel_is_left_alone_so_a_late_answer_cannot_blank_an_open_one():
    digit = app.read_sketch(a_drawing())
    closed = app.on_canvas(digit, 0.4, "gaussian", 0, False, False)
    opened = app.on_canvas(digit, 0.4, "gaussian", 0, True, True)
    skip = gr.skip()
    assert closed[5] == skip and closed[6] == skip and closed[7] == skip
    assert len(opened[5]) == 4 and all(Path(path).exists() for path in opened[6:8])
    assert all(Path(path).exists() for path in closed[:4]) and "dB" in closed[4]  # the digit pictures always come


def test_an_emptied_number_box_is_drawn_as_the_0_it_shows_and_raises_nothing():
    """Waiting for the next value froze the pictures for good when a box was left empty."""
    digit = app.read_sketch(a_drawing())

    def noisy(factor, seed):
        return np.asarray(Image.open(app.on_canvas(digit, factor, "gaussian", seed, False, False)[1]))

    assert np.array_equal(noisy(0.4, None), noisy(0.4, 0))
    assert np.array_equal(noisy(None, 3), noisy(0.0, 3))


@pytest.mark.parametrize("typed, drawn", [(-3, 0), (1.5, 2), (2**40, 2**32 - 1), (10**400, 2**32 - 1),
                                           (float("inf"), 2**32 - 1), (float("-inf"), 0)])
def test_a_seed_out_of_range_is_drawn_as_the_seed_the_box_is_then_set_to(typed, drawn):
    """A refused seed raised on every later slider step: a phone screen filled with one error toast
    per step, and the pictures stayed at the old factor. Now the live path draws the nearest valid
    seed, and when the box is left (Enter or focus out) it is set to that seed, with one warning."""
    digit = app.read_sketch(a_drawing())

    def noisy(seed):
        return np.asarray(Image.open(app.on_canvas(digit, 0.7, "gaussian", seed, False, False)[1]))

    assert np.array_equal(noisy(typed), noisy(drawn))
    with pytest.warns(UserWarning, match=rf"noise seed must be a whole number from 0 to 4,294,967,295: set to {drawn}"):
        assert app.settle_seed(typed) == drawn
    assert app.settle_seed(drawn) == gr.skip() and app.settle_seed(None) == gr.skip()  # nothing to correct
    (settler,) = [block_fn for block_fn in app.demo.fns.values() if block_fn.fn is app.settle_seed]
    seed_box = settler.inputs[0]
    assert settler.outputs == [seed_box] and {event for _, event in settler.targets} == {"submit", "blur"}


def test_a_drawing_too_faint_to_read_blanks_the_pictures_with_a_warning_that_says_why():
    faint = a_drawing()
    faint["composite"][60:220, 130:150, :3] = 240  # a pale grey stroke on white
    with pytest.warns(UserWarning, match="too faint to read"):
        assert app.read_sketch(faint, app.read_sketch(a_drawing())) == ""


def test_a_re_reported_unchanged_drawing_does_not_re_render():
    """Loading an example over a drawing made the editor report the same picture 10 to 30 times."""
    digit = app.read_sketch(a_drawing())
    assert app.read_sketch(a_drawing(), digit) == gr.skip()
    assert app.read_sketch(None, "") == gr.skip()  # still blank
    assert app.read_sketch(None, digit) == ""  # cleared
    other = digit_to_text(np.roll(text_to_digit(digit), 3, axis=1))
    assert app.read_sketch(a_drawing(), other) == digit


def test_the_digit_lives_in_the_page_not_in_server_state_that_gradio_may_delete():
    """Gradio deletes gr.State an hour after a connection drops, or on a restart: the pictures went blank."""
    (live,) = [block_fn for block_fn in app.demo.fns.values() if block_fn.fn is app.on_canvas]
    assert not any(isinstance(block, gr.State) for block in live.inputs)
    digit = app.read_sketch(a_drawing())
    pictures = app.on_canvas(digit, 0.4, "gaussian", 0, False, False)  # all it needs comes with the call
    assert np.asarray(Image.open(pictures[0])).max() == 255


def test_a_damaged_digit_from_the_page_is_refused_with_a_message():
    with pytest.raises(gr.Error, match="damaged digit"):
        app.on_canvas("not a digit!", 0.4, "gaussian", 0, False, False)


@pytest.mark.parametrize(("typed", "drawn"), [(5, 1), (1.5, 1), (-0.2, 0), (float("inf"), 1)])
def test_a_factor_typed_past_the_sliders_end_is_drawn_at_that_end_like_the_slider_shows_it_and_says_so(typed, drawn):
    """A decimal comma ("0,5") reaches the page as 5: the pictures went to full noise without a word."""
    digit = app.read_sketch(a_drawing())
    def noisy_picture(factor):
        return np.asarray(Image.open(app.on_canvas(digit, factor, "gaussian", 0, False, False)[1]))
    with pytest.warns(UserWarning, match=rf"^noise factor goes from 0 to 1, got {typed:g}: drawn at {drawn} \(decimals take"):
        past_the_end = noisy_picture(typed)
    assert np.array_equal(past_the_end, noisy_picture(drawn))
    assert not np.array_equal(noisy_picture(1.0), noisy_picture(0.4))


def test_pictures_are_saved_under_names_that_say_what_they_are_for_downloads():
    view_paths = app.on_canvas(app.read_sketch(a_drawing()), 0.4, "salt_pepper", 0, False, False)[:4]
    names = [Path(path).name for path in view_paths]
    assert names[0].startswith("clean-") and names[1].startswith("noisy-salt_pepper-0.40-")
    assert names[2].startswith("denoised-default-") and names[3].startswith("denoised-seed-")


def test_gradios_file_cache_is_pruned_and_the_apps_own_folder_goes_when_the_process_ends():
    assert app.demo.delete_cache == (1800, 3600)  # otherwise every served picture stays in /tmp/gradio
    make_one = ("import numpy as np; from denoiser.demo import OutputFiles; files = OutputFiles(); "
                "print(files.save(np.zeros((4, 4), np.uint8)))")
    result = subprocess.run([sys.executable, "-c", make_one], capture_output=True, text=True, check=True, timeout=60,
                            cwd=Path(app.__file__).parent)
    picture = Path(result.stdout.strip())
    assert picture.name.startswith("picture-") and not picture.parent.exists()  # gone when the process ended


def test_refusing_bad_input_does_not_log_a_traceback():
    with pytest.raises(gr.Error) as refused:
        app.denoise_file(None, 0.4)
    assert refused.value.print_exception is False


def test_the_api_names_its_outputs_instead_of_value_35_to_38():
    (endpoint,) = [block_fn for block_fn in app.demo.fns.values() if block_fn.api_name == "denoise"]
    assert [output.label for output in endpoint.outputs] == ["clean", "noisy", "reconstructed", "scores"]


def test_importing_the_app_leaves_the_thread_count_alone():
    """Tests import app; a one-thread setting at import ran every later test in the session on one thread."""
    check = "import torch; before = torch.get_num_threads(); import app; print(before == torch.get_num_threads())"
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=Path(app.__file__).parent,
                            env={**os.environ, "OMP_NUM_THREADS": "2"}, timeout=120, check=True)
    assert result.stdout.strip().splitlines()[-1] == "True"


def sketch_component() -> gr.ImageEditor:
    return next(block for block in app.demo.blocks.values() if getattr(block, "elem_id", None) == "sketch")


def test_a_huge_image_sent_to_the_sketchpad_is_refused_before_gradio_decodes_it(tmp_path):
    """The sketchpad's handler decoded any size it was sent (12000x12000: 11 s and 1.8 GB more memory)
    while /denoise refused it; a client can call it directly, so it is checked from the header first."""
    from gradio.components.image_editor import EditorData
    from gradio.data_classes import FileData

    huge = tmp_path / "huge.png"
    Image.new("1", (6000, 6000), 1).save(huge)  # 36 megapixels, 4.5 MB in memory, a small file
    payload = EditorData(background=FileData(path=str(huge)), layers=[], composite=FileData(path=str(huge)))
    with pytest.raises(gr.Error, match="6000x6000 pixels; the limit is 25 megapixels"):
        sketch_component().preprocess(payload)
    small = tmp_path / "small.png"
    Image.new("RGBA", (280, 280), (0, 0, 0, 0)).save(small)
    editor = sketch_component().preprocess(EditorData(composite=FileData(path=str(small))))
    assert editor["composite"].shape[:2] == (280, 280)  # a canvas-sized one goes through as before


def test_a_call_overtaken_by_a_newer_one_from_the_same_tab_leaves_every_picture_alone():
    """Two live calls of one tab can run side by side; the older (a digit since cleared), finishing last,
    put the cleared digit back in all four pictures, to stay."""
    digit = app.read_sketch(a_drawing())
    tab, other_tab = SimpleNamespace(session_hash="tab-a"), SimpleNamespace(session_hash="tab-b")
    newer = app.on_canvas("", 0.4, "gaussian", 0, False, False, 8, tab)  # the Clear's call, started second
    older = app.on_canvas(digit, 0.4, "gaussian", 0, False, False, 7, tab)  # gathered before the Clear, done last
    assert newer[4] == EMPTY_HINT and older == (gr.skip(),) * 8
    assert app.on_canvas(digit, 0.4, "gaussian", 0, False, False, 1, other_tab)[4] != gr.skip()  # each tab its own count
    assert app.on_canvas(digit, 0.4, "gaussian", 0, False, False, 9, tab)[4] != gr.skip()
    app.on_canvas(digit, 0.4, "gaussian", 0, False, False, 11, tab)
    assert app.on_canvas(digit, 0.4, "gaussian", 0, False, False, 10, tab) == (gr.skip(),) * 8  # arrived after a newer one


def test_the_page_numbers_each_live_call_in_the_order_it_sends_them():
    (live,) = [block_fn for block_fn in app.demo.fns.values() if block_fn.fn is app.on_canvas]
    assert live.inputs[-1].elem_id == "call-number" and live.js == app.NUMBER_LIVE_CALLS


def test_the_newest_calls_of_only_so_many_tabs_are_kept():
    calls = app.NewestCalls(max_tabs=2)
    for number, tab in enumerate(("a", "b", "c"), 1):
        calls.started(tab, number)
    assert not calls.superseded("a", 0)  # forgotten: an unknown tab's call is never dropped
    assert calls.superseded("c", 2) and not calls.superseded("c", 3)

