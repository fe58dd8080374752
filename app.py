"""Draw a digit, slide the noise, and watch two denoising autoencoders pull it back out, live.

This file builds the Gradio interface: its layout, its page-side scripts and styles, and how the
controls' raw values are read (an emptied box, a refused seed). The models, the noise and the
pictures come from the `denoiser` package (`denoiser.demo.Demo.render`). Run `python app.py`; it
honours GRADIO_SERVER_NAME and GRADIO_SERVER_PORT, as Hugging Face Spaces expects.
"""

from __future__ import annotations

import random
import signal
import sys
import threading
from collections import OrderedDict
from pathlib import Path

import gradio as gr
import torch
from gradio.data_classes import FileData
from pydantic import ValidationError

from denoiser import NOISE_KINDS, WeightsError, load_model
from denoiser.demo import EMPTY_HINT, Demo
from denoiser.device import pick_device
from denoiser.digit_text import digit_to_text, text_to_digit
from denoiser.image_files import MAX_FILE_BYTES, ImageFileError, check_pixel_count, read_image_file
from denoiser.noise import check_factor, check_kind
from denoiser.pipeline import MAX_SEED, check_seed, nearest_seed
from denoiser.preprocess import DrawingError, FaintDrawingError, drawing_to_digit

HERE = Path(__file__).resolve().parent
DISPLAY_ORDER = ("default", "seed")  # the shipped models (weights.MODEL_NAMES) as the page shows them: ours first
EXAMPLES = sorted(str(path) for path in (HERE / "examples").glob("*.png"))
WORKERS = 2  # one model call per core; more would only make each call slower
KIND_LABELS = {"salt_pepper": "salt and pepper", "poisson": "Poisson"}  # as people write them; the API takes the names

INTRO = """
# ✏️ Denoising autoencoder, live

Draw a digit, or upload a photo of one (the picture button beside the canvas). It is scaled to
28x28 like an MNIST digit (**clean**), buried under noise (**noisy**), and two convolutional
autoencoders try to recover it. Slide the noise: the pattern
stays, only its strength changes. **seed** is the network from the well-known Keras tutorial
(4.4k parameters, trained at noise 0.4 only); **default** is our U-Net, trained on every noise
kind and level at once.
"""

ABOUT = """
**What is happening?** The tutorial's autoencoder squeezes a 28x28 digit through a 4x4x8
bottleneck and decodes it again; trained on (noisy, clean) pairs it learns to keep what looks like
a stroke and drop what looks like noise. Noise here is `clip(x + factor * N(0, 1), 0, 1)`, exactly
the tutorial's, or one of four other kinds. The U-Net adds skip connections, so fine strokes need
not squeeze through the bottleneck, and was trained across noise levels 0 to 1, so it also does no
harm at low noise, where the tutorial's model blurs the digit. Open *Inside the network* to see the
feature maps each encoder stage computes for your drawing.
"""

CSS = """
.pixelated img { image-rendering: pixelated; object-fit: contain; }
.pair { flex-wrap: nowrap !important; }
.pair > * { min-width: 0 !important; }
#sketch { max-width: 420px; margin: 0 auto; }
.scores { min-height: 3em; }
footer { display: none !important; }
#sketch-upload-error { margin: 4px 0; color: var(--error-text-color, #b91c1c); }
#filters .caption-label { white-space: normal; max-width: 100%; }
/* the filter row as tall as its tiles at every width (a fixed height left an empty band below them) */
#filters, #filters .gallery-container, #filters .grid-wrap { height: auto !important; max-height: none !important; }
/* labels wrap clear of the buttons Gradio lays over a block's top-right corner */
#sketch [data-testid="block-label"] { max-width: calc(100% - 185px); white-space: normal; }
.pixelated [data-testid="block-label"] { max-width: calc(100% - 44px); white-space: normal; }
/* ... and, where they wrap, sit above the picture instead of over its top rows */
.pixelated > [data-testid="block-label"] { position: static !important; max-width: 100% !important; }
.pair > .pixelated { display: flex !important; flex-direction: column; }
.pair > .pixelated > .image-container { flex: 1 1 0; min-height: 0; }
@media (max-width: 1023px) {  /* narrow pictures: a label may wrap where its neighbour does not, so both
  keep room for two lines, and the pictures of a pair stay the same size and level */
  .pair > .pixelated > [data-testid="block-label"] { min-height: calc(2lh + 8px); }
}
/* Gradio draws no focus ring on the slider, the radio buttons or a ticked checkbox: keyboard users need one */
#factor input[type=range]:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 2px; }
#kind label:has(input:focus-visible) { outline: 2px solid var(--color-accent); outline-offset: 1px; }
#show-filters input:focus-visible, #show-features input:focus-visible {
  outline: 2px solid var(--color-accent); outline-offset: 2px; }
@media (max-width: 400px) {  /* a small phone: "clean (what the model should get back)" takes three lines */
  .pair > .pixelated > [data-testid="block-label"] { min-height: calc(3lh + 8px); }
}
@media (max-width: 640px) {  /* a phone: two filters a row, captions whole; feature panels one above the other */
  #filters .grid-container { grid-template-columns: repeat(2, minmax(0, 1fr)) !important; }
  #feature-row { flex-direction: column; }
}
@media (max-width: 767px) {  /* the columns stacked (Gradio stacks them below 768 px): the pictures right under
  the drawing, above the controls, so a drag of the slider stays in view with them */
  #live { flex-direction: column; flex-wrap: nowrap; }
  #drawing-column, #results-column { display: contents; }
  #sketch, #sketch-upload-error { order: 1; }
  #results-column > .pair { order: 2; }
  #scores { order: 3; }
  #drawing-column > .form { order: 4; }
  #drawing-column > .row { order: 5; }
  #device { order: 6; }
}
"""

def _poll_js(step: str, every_ms: int) -> str:
    """A browser callback that runs the JS function `step` every `every_ms` until it returns true, or 10 s pass.

    Gradio mounts components after the page's load event and offers no "rendered" hook, so page
    tweaks wait for the elements they need this way.
    """
    return ("() => { const started = Date.now(); const timer = setInterval(() => { "
            f"if (({step})() || Date.now() - started > 10000) clearInterval(timer); }}, {every_ms}); }}")


# The editor's buttons, found by their place in its toolbars, not by their labels: Gradio translates
# those (a Spanish browser shows "Pincel" and "Limpiar lienzo"), and the page then never picked the brush.
BRUSH_BUTTON = "document.querySelectorAll('#sketch button.quite-round')[1]"  # tools: Image, Brush, Erase, ...
CLEAR_BUTTON = "[...document.querySelectorAll('#sketch button.icon-button')].at(-1)"  # Pan, zooms, Undo, Redo, Clear

# Gradio offers no "brush selected at start" option: click the Brush button once the editor mounts.
SELECT_BRUSH = _poll_js(f"""() => {{ const brush = {BRUSH_BUTTON};
  if (brush) brush.click(); return Boolean(brush); }}""", 100)

# Clear resets the editor's zoom to 100%, where the page had fitted the canvas to its box (121% on a
# desktop: the drawing area shrank from 336 to 280 px). Pick "Fit to screen" from its zoom menu again.
FIT_CANVAS = _poll_js("""() => {
  const fit = document.querySelector('#sketch .zoom-controls li:first-child button');  // Fit to screen, 25%, ...
  if (fit) { fit.click(); return true; }  // the menu is open: pick it, which closes the menu
  document.querySelector('#sketch .zoom-number [role=button]')?.click();  // open the menu; picked on the next round
  return false; }""", 150)

# On a phone the examples are the page's last block, a screen or more below the drawing and its pictures:
# once an example is loaded, scroll the drawing (the pictures follow right under it) into view.
SHOW_DRAWING_ON_PHONES = """() => { if (window.innerWidth < 768)
  document.querySelector('#sketch')?.scrollIntoView({block: 'start', behavior: 'smooth'}); }"""

# Example buttons show only a thumbnail, so a screen reader announced each as just "button": name
# them after their files (digit_7.png -> "Example: digit 7") once the gallery has rendered.
NAME_EXAMPLES = _poll_js("""() => { const buttons = [...document.querySelectorAll('button.gallery-item')];
  buttons.forEach(button => { const img = button.querySelector('img'); if (!img || !img.src) return;
    const name = decodeURIComponent(img.src.split('/').pop().split('?')[0]).replace(/\\.[a-z]+$/i, '').replace(/_/g, ' ');
    button.setAttribute('aria-label', 'Example: ' + name); });
  return buttons.length > 0 && buttons.every(button => button.hasAttribute('aria-label')); }""", 200)

# The PSNR line changes with every picture; a screen reader announces it only from a live region.
ANNOUNCE_SCORES = _poll_js("""() => { const scores = document.getElementById('scores');
  if (scores) scores.setAttribute('aria-live', 'polite'); return Boolean(scores); }""", 200)

# Whether a page event happened on an element matching a CSS selector (for the two watchers below).
_INSIDE = "  const inside = (event, selector) => event.target instanceof Element && event.target.closest(selector);"

# The editor reports a stroke several hundred ms after the pen lifts, with the picture as it was then,
# and a Clear in that gap is reported first: the late stroke then brought the cleared digit back, to
# stay. So the page notes when the canvas was last cleared and when content last went onto it (pen
# down on the canvas, a key, an upload, a drop, an example), and what that content was; a report made
# while the clear is the newer of the two is sent as blank.
TRACK_SKETCH_EDITS = """() => {
""" + _INSIDE + """
  const content = kind => { window.sketchContentAt = performance.now(); window.sketchContentKind = kind; };
  document.addEventListener('pointerdown', event => {
    if (inside(event, '#sketch canvas')) content('stroke');
    else if (inside(event, 'button.gallery-item')) content('example');
  }, true);
  document.addEventListener('keydown', event => {
    if (inside(event, '#sketch, button.gallery-item')) content(inside(event, 'button.gallery-item') ? 'example' : 'key');
  }, true);
  document.addEventListener('change', event => { if (inside(event, '#sketch input[type=file]')) content('upload'); }, true);
  document.addEventListener('drop', event => { if (inside(event, '#sketch')) content('upload'); }, true);
  document.addEventListener('click', event => {
    if (event.target instanceof Element && event.target.closest('button') === """ + CLEAR_BUTTON + """)
      window.sketchClearedAt = performance.now();
  }, true);
}"""
# An example takes about a second to reach the editor, so a Clear clicked in that time may land before
# it: the canvas then shows the example the Clear was meant to remove, while its report, older than the
# Clear, is sent as blank. So when a report after a Clear still holds the example, the page clears again
# (once the example is in; not if anything was drawn or loaded since), and canvas and pictures agree.
BLANK_IF_CLEARED_SINCE = """(editor, digit) => {
  const clearedAt = window.sketchClearedAt || 0;
  const cleared = clearedAt > (window.sketchContentAt || 0);
  if (cleared && editor && editor.composite && window.sketchContentKind === 'example') {
    setTimeout(() => {
      if (window.sketchClearedAt === clearedAt && (window.sketchContentAt || 0) < clearedAt)
        """ + CLEAR_BUTTON + """?.click();
    }, 400);
  }
  return [cleared ? null : editor, digit];
}"""


# A file the browser cannot decode, given to the canvas, left it blank with no word of why (the
# editor only logs to the console). Say so under the canvas, until the next stroke or example.
WARN_UNREADABLE_UPLOAD = """() => {
  const say = text => {
    let note = document.getElementById('sketch-upload-error');
    if (!note) {
      note = document.createElement('p');
      note.id = 'sketch-upload-error';
      note.setAttribute('role', 'alert');
      document.getElementById('sketch').after(note);
    }
    note.textContent = text;
    note.hidden = !text;
  };
  const check = async file => {
    if (!file) return;
    try { (await createImageBitmap(file)).close(); say(''); }
    catch { say(`${file.name} is not a picture this page can read: upload a PNG, JPEG, GIF or WebP image of a digit.`); }
  };
""" + _INSIDE + """
  document.addEventListener('change', event => {
    if (inside(event, '#sketch input[type=file]')) check(event.target.files && event.target.files[0]);
  }, true);
  document.addEventListener('drop', event => { if (inside(event, '#sketch')) check(event.dataTransfer.files[0]); }, true);
  document.addEventListener('pointerdown', event => { if (inside(event, '#sketch canvas, button.gallery-item')) say(''); }, true);
}"""


def retypable(box: gr.Slider | gr.Number) -> gr.Slider | gr.Number:
    """`box` (a slider's number box, or a number box), as one that may be emptied on the way to a new value.

    Gradio's own preprocessing turned an emptied box into a raw "Could not preprocess input component"
    error, and a number below a box's minimum into "Value -1 is less than minimum value 0", naming no
    box; a number box also rounded 1.5 to 2 without a word. Now None and every number reach the
    listener, which decides. The live path draws an emptied box as 0 (the factor box shows 0 once it
    loses focus; the seed box stays empty, and 0 is its default) and a factor past the slider's ends at
    the end it shows, and a seed out of range as the nearest valid one, which `settle_seed` then sets the box
    to; the API refuses each with the package's message.
    Text and true/false are refused here, naming the box. (Patched on the instance: a subclass would
    make Gradio write an app.pyi stub beside this file.)
    """

    def preprocess(payload: float | None) -> float | None:
        if payload is None:
            return None
        if isinstance(payload, bool) or not isinstance(payload, (int, float)):
            bounds = f" in [{box.minimum}, {box.maximum}]" if box.maximum is not None else ""
            raise user_error(f"{box.label.lower()} must be a number{bounds}, got {payload!r}")  # gr.Error: not wrapped
        return payload

    box.preprocess = preprocess
    return box


def size_checked(editor: gr.ImageEditor) -> gr.ImageEditor:
    """`editor`, refusing an image over `read_image_file`'s pixel limit from its header, before Gradio decodes it.

    Gradio decodes whatever the sketchpad is sent, at any size: the page sends a canvas-sized picture,
    but a client calling the handler directly could send 12000x12000 (11 s and 1.8 GB more memory per
    call), which /denoise refuses. (Patched on the instance, as `retypable` is.)
    """
    decode = editor.preprocess

    def preprocess(payload):
        files = editor.blob_storage.get(payload.id) if payload is not None and payload.id is not None else payload
        images = [files.background, *files.layers, files.composite] if files is not None else []
        try:
            for image in images:
                if image is not None:
                    check_pixel_count(image if isinstance(image, bytes) else image.path)
        except ImageFileError as error:
            if payload.id is not None:
                editor.blob_storage.pop(payload.id, None)  # as decoding would have: not kept for a next call
            raise user_error(f"Could not read the drawing: {error}") from None
        return decode(payload)

    editor.preprocess = preprocess
    return editor


def named_choice(radio: gr.Radio, what: str) -> gr.Radio:
    """`radio`, taking a choice by its value or by the label the page shows ("salt and pepper" for salt_pepper).

    Gradio refused anything else with "Value: 'x' (type: <class 'str'>) is not in the list of choices",
    naming no parameter, and logged a traceback for each call; now the refusal names `what` and the
    choices, as the package's checks do. (Patched on the instance, as `retypable` is.)
    """
    values = [value for _, value in radio.choices]
    by_label = dict(radio.choices)  # (label, value) pairs

    def preprocess(payload: str | None) -> str | None:
        if payload is None or payload in values:
            return payload
        if payload in by_label:
            return by_label[payload]
        raise user_error(f"{what} must be one of {', '.join(values)}, got {payload!r}")

    radio.preprocess = preprocess
    return radio


class ImageFileData(FileData):
    """An image file of a digit (PNG, JPEG, ...): from gradio_client, send it as handle_file(path or URL)."""

    @classmethod
    def model_validate(cls, value, **kwargs):
        """The file Gradio was sent, or a refusal that says how to send one (pydantic's named no parameter)."""
        try:
            return super().model_validate(value, **kwargs)
        except ValidationError:
            how = f"handle_file({value!r})" if isinstance(value, str) else "handle_file(path or URL)"
            raise user_error(f"image_file must be sent as a file: with gradio_client, pass {how}, "
                             f"not {'a bare path or URL' if isinstance(value, str) else type(value).__name__}") from None


def load_models() -> dict[str, torch.nn.Module]:
    """Both shipped models on the chosen device, or exit with the loader's message."""
    device = pick_device()
    try:
        return {name: load_model(name, device) for name in DISPLAY_ORDER}
    except WeightsError as error:
        sys.exit(f"Cannot start the demo: {error}")


DEMO = Demo(load_models())
DEVICE = next(DEMO.models["default"].parameters()).device


def user_error(message: str) -> gr.Error:
    """A refusal of bad input: shown to the user, not logged as a server traceback (it is not a fault here)."""
    return gr.Error(message, print_exception=False)


def _controls(factor, kind, noise_seed) -> tuple[float, str, int]:
    """Validated slider/kind/noise-seed values, or a gr.Error that says what is allowed."""
    try:
        return check_factor(factor), check_kind(kind), check_seed(noise_seed)
    except ValueError as error:
        raise user_error(str(error)) from None


def read_sketch(editor: dict | None, current: str | None = None):
    """The sketchpad's composite as the page's digit text (`digit_text`; "" while blank), or gr.skip() if that is `current`.

    The page holds it (a hidden box), so moving a control sends 4 KB, not the drawing: resending the
    editor's layers on every slider step made a drag queue up seconds of uploads. The editor re-reports
    an unchanged picture many times (loading an example over a drawing: 10 to 30 reports); skipping
    those keeps each from re-rendering every picture.
    """
    composite = (editor or {}).get("composite")
    try:
        digit = None if composite is None else drawing_to_digit(composite)
    except FaintDrawingError as error:  # blank pictures, as for an empty canvas, but say why
        gr.Warning(f"Could not read the drawing: {error}.")
        digit = None
    except DrawingError as error:
        raise user_error(f"Could not read the drawing: {error}") from None
    text = digit_to_text(digit)
    return gr.skip() if text == (current or "") else text


def settle_seed(noise_seed: float | None):
    """When the seed box is left (Enter, or focus out): set it to the seed the pictures use, with a warning, if that differs."""
    settled = nearest_seed(noise_seed)
    if noise_seed is None or settled == noise_seed:
        return gr.skip()
    gr.Warning(f"noise seed must be a whole number from 0 to {MAX_SEED:,}: set to {settled}")
    return settled


class NewestCalls:
    """The newest live call each browser tab has sent, numbered by the page, so an older one that finishes last is dropped.

    always_last keeps one call per tab running, but two triggers a few ms apart (a Clear's new digit and
    a slider key) can both start before the browser marks the listener busy; they run side by side and
    the older, gathered before the Clear, could finish last and put the cleared digit back, to stay.
    """

    def __init__(self, max_tabs: int = 4096) -> None:
        self._newest: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        self.max_tabs = max_tabs  # the least recently heard tabs are forgotten beyond this

    def started(self, tab: str, number: int) -> None:
        with self._lock:
            self._newest[tab] = max(number, self._newest.get(tab, number))
            self._newest.move_to_end(tab)
            while len(self._newest) > self.max_tabs:
                self._newest.popitem(last=False)

    def superseded(self, tab: str, number: int) -> bool:
        """Whether the tab has started a newer call than `number` since that one started."""
        with self._lock:
            return number < self._newest.get(tab, number)


NEWEST_CALLS = NewestCalls()
# Numbers each live call in the page, in the order the browser sends them (the last input).
NUMBER_LIVE_CALLS = """(...inputs) => {
  inputs[inputs.length - 1] = (window.liveCalls = (window.liveCalls || 0) + 1);
  return inputs;
}"""


def on_canvas(digit: str | None, factor, kind, noise_seed, show_filters: bool, show_features: bool,
              call_number: int | None = None, request: gr.Request | None = None):
    """Live path: the page's digit (`read_sketch`'s text) -> noisy -> every picture and score, for the controls' values.

    `call_number` (the page numbers its calls) and the tab's session let a call overtaken by a newer
    one from the same tab leave every picture alone (`NewestCalls`).
    """
    tab = getattr(request, "session_hash", None)
    tracked = tab is not None and call_number is not None
    if tracked:
        NEWEST_CALLS.started(tab, call_number)
        if NEWEST_CALLS.superseded(tab, call_number):  # a newer call reached the server first: no need to render
            return (gr.skip(),) * 8
    try:
        digit = text_to_digit(digit)
    except ValueError as error:
        raise user_error(str(error)) from None
    # An emptied box (on the way to a new value, or left so) is drawn as 0: the factor box shows 0 once it
    # loses focus, without sending it, and 0 is the seed box's default. A number typed past the slider's
    # ends shows as that end once the box loses focus. So draw what the controls will show, and say so
    # when that is not what was typed: "0,5" reaches the page as 5 (browsers drop a decimal comma).
    typed, factor = factor, 0.0 if factor is None else min(max(factor, 0.0), 1.0)
    if typed is not None and typed == typed and typed != factor:  # not empty, not NaN (refused below), clamped
        gr.Warning(f"noise factor goes from 0 to 1, got {typed:g}: drawn at {factor:g} (decimals take a point: 0.5)")
    noise_seed = nearest_seed(noise_seed)  # and `settle_seed` makes the box show it
    factor, kind, noise_seed = _controls(factor, kind, noise_seed)
    view = DEMO.render(digit, factor, kind, noise_seed, show_filters, show_features)
    # A closed panel is left as it is (gr.skip), never blanked: two triggers a few ms apart can
    # both start before the browser marks the listener busy, and the answer computed with the
    # panel still closed may arrive last. The panel is hidden while closed, and opening it renders it afresh.
    features = (view.features.get("default"), view.features.get("seed")) if show_features else (gr.skip(), gr.skip())
    if tracked and NEWEST_CALLS.superseded(tab, call_number):
        return (gr.skip(),) * 8
    return (
        view.clean, view.noisy, view.reconstructed["default"], view.reconstructed["seed"], view.scores,
        view.filters if show_filters else gr.skip(), *features,
    )


def denoise_file(image_file: str | None, noise_factor: float, noise_kind: str = "gaussian",
                 noise_seed: int = 0, model: str = "default"):
    """API: an image file of a digit -> (clean, noisy, reconstructed: 224x224 PNGs; a Markdown line of PSNRs)."""
    noise_factor, noise_kind, noise_seed = _controls(noise_factor, noise_kind, noise_seed)
    if model not in DISPLAY_ORDER:
        raise user_error(f"model must be one of {', '.join(DISPLAY_ORDER)}, got {model!r}")
    if image_file is None:
        raise user_error("no image was sent: pass an image file of a digit")
    try:
        digit = drawing_to_digit(read_image_file(image_file))
    except (ImageFileError, DrawingError) as error:
        raise user_error(str(error)) from None
    if digit is None:
        raise user_error("the image is blank (no strokes found): send an image with a digit on it")
    view = DEMO.render(digit, noise_factor, noise_kind, noise_seed)
    return view.clean, view.noisy, view.reconstructed[model], view.scores


def build() -> gr.Blocks:
    """The whole interface."""
    picture = dict(image_mode="L", interactive=False, format="png", height=230, elem_classes="pixelated", buttons=["download"])
    panel = {**picture, "height": None}  # feature panels keep their own tall shape
    # Gradio copies every picture it serves into its cache; without pruning that grows for as long as the
    # Space runs (about 4 files per slider step). Every half hour, files older than an hour are deleted.
    with gr.Blocks(title="Denoising autoencoder, live", delete_cache=(1800, 3600)) as demo:
        gr.Markdown(INTRO)
        with gr.Row(equal_height=False, elem_id="live"):
            with gr.Column(scale=2, min_width=300, elem_id="drawing-column"):
                sketch = size_checked(gr.Sketchpad(
                    elem_id="sketch", label="Draw a digit", type="numpy",
                    canvas_size=(280, 280), fixed_canvas=True, height=400, layers=False, transforms=(), sources=("upload",),
                    brush=gr.Brush(default_size=11, colors=["#000000"], default_color="#000000", color_mode="fixed"),
                ))
                factor = retypable(gr.Slider(0, 1, value=0.4, step=0.01, label="Noise factor", elem_id="factor"))
                kind = named_choice(gr.Radio([(KIND_LABELS.get(name, name), name) for name in NOISE_KINDS], value="gaussian",
                                             label="Noise kind", elem_id="kind"), "noise kind")
                with gr.Row():
                    noise_seed = retypable(gr.Number(value=0, precision=0, label="Noise seed", minimum=0, elem_id="noise-seed"))
                    new_noise = gr.Button("🎲 New noise", elem_id="new-noise")
            with gr.Column(scale=3, min_width=300, elem_id="results-column"):
                with gr.Row(elem_classes="pair"):
                    clean = gr.Image(label="clean (what the model should get back)", elem_id="clean", **picture,
                                     alt_text="Your digit as the model gets it: 28 by 28 pixels, light strokes on black")
                    noisy = gr.Image(label="noisy (what the model sees)", elem_id="noisy", **picture,
                                     alt_text="The digit with noise of the chosen kind and level added")
                with gr.Row(elem_classes="pair"):
                    default_model_out = gr.Image(label="reconstructed: default (U-Net)", elem_id="default", **picture,
                                       alt_text="The default U-Net's reconstruction of the noisy digit")
                    seed_model_out = gr.Image(label="reconstructed: seed (the tutorial's)", elem_id="seed-out", **picture,
                                        alt_text="The tutorial's autoencoder's reconstruction of the noisy digit")
                scores = gr.Markdown(EMPTY_HINT, elem_classes="scores", elem_id="scores")
                gr.Markdown(f"Running on **{DEVICE.type.upper()}** · torch {torch.__version__}", elem_id="device")
        with gr.Row():
            show_filters = gr.Checkbox(label="Compare with classical filters", value=False, elem_id="show-filters")
            show_features = gr.Checkbox(label="Inside the network: feature maps", value=False, elem_id="show-features")
        filters = gr.Gallery(label="Classical filters on the same noisy digit", columns=4, height=330, object_fit="contain",
                             visible=False, elem_classes="pixelated", elem_id="filters")
        with gr.Row(visible=False, elem_id="feature-row") as feature_row:
            features_default = gr.Image(label="default (U-Net) encoder: the 16 most active channels per stage",
                                        elem_id="features-default", **panel,
                                        alt_text="Grids of the default U-Net's feature maps for your digit, one per stage")
            features_seed = gr.Image(label="seed encoder: conv, pool, ... down to the 4x4 bottleneck",
                                     elem_id="features-seed", **panel,
                                     alt_text="Grids of the tutorial autoencoder's feature maps for your digit, layer by layer")
        # The current drawing as a 28x28 digit, held by the page (not a gr.State: the server forgets those
        # when a connection drops or it restarts); every live listener reads it from here.
        digit = gr.Textbox("", visible=False, elem_id="digit")
        call_number = gr.Number(0, visible=False, precision=0, elem_id="call-number")  # set by NUMBER_LIVE_CALLS
        if EXAMPLES:
            examples = gr.Examples(EXAMPLES, inputs=sketch, label="Or start from an example", api_visibility="private")
            # Loading an example fires no change of the sketchpad, so read it once it is loaded, through the
            # same Clear guard as the sketchpad's own reports (Examples' run_on_click has no such guard).
            examples.load_input_event.then(read_sketch, [sketch, digit], digit, js=BLANK_IF_CLEARED_SINCE,
                                           show_progress="hidden", api_visibility="private")
            examples.load_input_event.then(None, js=SHOW_DRAWING_ON_PHONES, api_visibility="private")
        with gr.Accordion("For readers of the tutorial", open=False):
            gr.Markdown(ABOUT)

        inputs = [digit, factor, kind, noise_seed, show_filters, show_features, call_number]
        outputs = [clean, noisy, default_model_out, seed_model_out, scores, filters, features_default, features_seed]
        show_filters.change(lambda on: gr.Gallery(visible=on), show_filters, filters, api_visibility="private")
        show_features.change(lambda on: gr.Row(visible=on), show_features, feature_row, api_visibility="private")
        # A new drawing (a stroke, an upload, undo, clear) only updates the page's digit; the
        # digit's change then reaches the live listener like any control does.
        gr.on(triggers=[sketch.change, sketch.upload], fn=read_sketch, inputs=[sketch, digit], outputs=digit,
              js=BLANK_IF_CLEARED_SINCE, show_progress="hidden", trigger_mode="always_last", api_visibility="private")
        sketch.clear(None, js=SELECT_BRUSH)  # clearing drops the tool; pick the brush again
        sketch.clear(None, js=FIT_CANVAS)  # and resets the zoom: fit the canvas to its box again
        # One listener for every live trigger: always_last then keeps one call running and one waiting
        # per browser tab, so answers land in order. With a listener per control, two calls could run
        # at once (WORKERS) and an older one, finishing last, would overwrite the newer pictures.
        # (Two triggers within a few ms can still both start; the page numbers its calls and on_canvas
        # drops the older one's answer, NewestCalls.)
        gr.on(
            triggers=[digit.change, factor.input, factor.release, kind.change, noise_seed.change,
                      show_filters.change, show_features.change],
            fn=on_canvas, inputs=inputs, outputs=outputs, show_progress="hidden", trigger_mode="always_last",
            concurrency_id="model", api_visibility="private", js=NUMBER_LIVE_CALLS,
        )
        new_noise.click(lambda: random.randint(1, 2**31 - 1), None, noise_seed, api_visibility="private")
        gr.on(triggers=[noise_seed.submit, noise_seed.blur], fn=settle_seed, inputs=noise_seed, outputs=noise_seed,
              show_progress="hidden", api_visibility="private")

        api_image = gr.File(label="image file", file_types=["image"], visible=False)
        api_image.data_model = ImageFileData  # its refusal, and its description on the API page, say how to send a file
        api_model = named_choice(gr.Radio(list(DISPLAY_ORDER), value="default", label="model", visible=False), "model")
        api_scores = gr.Markdown(visible=False, label="scores")  # the labels name the outputs on the API page
        api_clean, api_noisy, api_reconstructed = (gr.Image(format="png", visible=False, label=label)
                                                   for label in ("clean", "noisy", "reconstructed"))
        gr.Button(visible=False).click(
            denoise_file, [api_image, factor, kind, noise_seed, api_model], [api_clean, api_noisy, api_reconstructed, api_scores],
            api_name="denoise", concurrency_id="model",
        )
        demo.load(None, None, None, js=SELECT_BRUSH)
        demo.load(None, None, None, js=NAME_EXAMPLES)
        demo.load(None, None, None, js=ANNOUNCE_SCORES)
        demo.load(None, None, None, js=TRACK_SKETCH_EDITS)
        demo.load(None, None, None, js=WARN_UNREADABLE_UPLOAD)
    demo.queue(default_concurrency_limit=WORKERS, max_size=64)
    return demo


demo = build()

if __name__ == "__main__":
    # SIGTERM (how a container, or the tests, stop the app) ends Python without its exit handlers, which
    # remove the served pictures' temp folder; as SystemExit, it runs them.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    torch.set_num_threads(1)  # WORKERS calls side by side, one thread each; set here, so importing app (tests) keeps the default
    demo.launch(css=CSS, max_file_size=MAX_FILE_BYTES, ssr_mode=False, show_error=True)
