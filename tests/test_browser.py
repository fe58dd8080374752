"""A real browser (Debian's Chromium driven by Playwright) draws a digit and slides the noise."""

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from denoiser.noise import apply_noise
from denoiser.pipeline import noise_field

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / ".pytest_cache" / "screenshots"
# As root in a container Chromium needs --no-sandbox; the rest keep it off this machine's closed network.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (see README)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def image_source(page, element_id: str) -> str | None:
    locator = page.locator(f"#{element_id} img")
    return locator.first.get_attribute("src") if locator.count() else None


def pixels(page, source: str) -> np.ndarray:
    """The picture behind an image URL, as the browser would fetch it."""
    return np.asarray(Image.open(io.BytesIO(page.request.get(source).body())).convert("L"))


def wait_for_new_image(page, element_id: str, previous: str | None, timeout_ms: int = 20_000) -> str:
    page.wait_for_function(
        """([id, previous]) => { const img = document.querySelector('#' + id + ' img');
             return img && img.complete && img.naturalWidth > 0 && img.getAttribute('src') !== previous; }""",
        arg=[element_id, previous], timeout=timeout_ms,
    )
    return image_source(page, element_id)


def draw_seven(page) -> None:
    """Drag the mouse across the canvas like a person drawing a 7, with no tool picked by hand."""
    canvas = page.locator("#sketch canvas").first
    canvas.wait_for(state="visible", timeout=30_000)
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + 0.3 * w, y + 0.25 * h)
    page.mouse.down()
    for fx, fy in [(0.7, 0.25), (0.6, 0.45), (0.5, 0.65), (0.45, 0.8)]:
        page.mouse.move(x + fx * w, y + fy * h, steps=8)
    page.mouse.up()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_drawing_shows_four_images_and_the_slider_changes_them(browser, app_url, viewport):
    page = browser.new_page(viewport=viewport)
    page.goto(app_url, wait_until="load")  # not networkidle: the session heartbeat stays open
    page.wait_for_timeout(1500)  # the page selects the brush itself once the editor has mounted
    draw_seven(page)
    clean = wait_for_new_image(page, "clean", None)
    noisy = wait_for_new_image(page, "noisy", None)
    reconstructed = wait_for_new_image(page, "default", None)
    tutorials = wait_for_new_image(page, "seed-out", None)
    assert clean and noisy and reconstructed and tutorials
    assert "dB" in page.locator("#scores").inner_text()

    slider = page.locator("#factor input[type=range]").first
    slider.focus()
    for _ in range(30):  # keyboard steps fire input events like a drag does
        page.keyboard.press("ArrowRight")
    noisier = wait_for_new_image(page, "noisy", noisy)
    page.wait_for_timeout(1000)  # let the last slider step's result land
    assert not np.array_equal(pixels(page, image_source(page, "noisy")), pixels(page, noisy))
    assert not np.array_equal(pixels(page, image_source(page, "default")), pixels(page, reconstructed))
    assert noisier
    # the drawing did not change, so neither did its digit
    assert np.array_equal(pixels(page, image_source(page, "clean")), pixels(page, clean))
    assert pixels(page, clean).max() == 255 and pixels(page, clean)[:16].max() == 0  # light digit on black

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"app-{viewport['width']}.png"), full_page=True)
    page.close()


def test_the_filter_row_and_feature_panels_open_for_the_current_drawing(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url, wait_until="load")  # not networkidle: the session heartbeat stays open
    page.wait_for_timeout(1500)
    draw_seven(page)
    wait_for_new_image(page, "default", None)
    assert not page.locator("#features-default img").count()  # hidden until asked for
    page.locator("#show-filters input").check()
    page.locator("#show-features input").check()
    page.wait_for_selector("#filters img", timeout=20_000)
    assert page.locator("#filters img").count() == 4
    assert "dB" in page.locator("#filters").inner_text()
    for element_id in ("features-default", "features-seed"):
        panel = pixels(page, wait_for_new_image(page, element_id, None))
        assert panel.shape[0] > 200 and panel.std() > 10  # several stages of real activity, not a blank
    page.close()


def open_app(browser, app_url, viewport=None, locale="en-US"):
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900}, locale=locale)
    page.goto(app_url, wait_until="load")  # not networkidle: the session heartbeat stays open
    page.locator("#sketch canvas").first.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(1500)  # the page selects the brush itself once the editor has mounted
    return page


def show_first_example(page) -> None:
    """Click the first example digit and wait for its reconstruction to appear."""
    page.locator("button.gallery-item").first.click()
    wait_for_new_image(page, "default", None)


def open_filter_row(page) -> None:
    """Tick the classical-filters box and wait for the filtered pictures."""
    page.locator("#show-filters input").check()
    page.wait_for_selector("#filters img", timeout=20_000)


def settled_scores(page, quiet_ms: int = 1500, timeout_ms: int = 30_000) -> str:
    """The PSNR line once it has stopped changing for `quiet_ms` (every answer in flight has landed)."""
    last, still, waited = None, 0, 0
    while still < quiet_ms and waited < timeout_ms:
        text = page.locator("#scores").inner_text()
        still = still + 250 if text == last else 0
        last = text
        page.wait_for_timeout(250)
        waited += 250
    return last


def test_clicking_an_example_shows_it_denoised(browser, app_url):
    page = open_app(browser, app_url)
    page.locator("button.gallery-item").first.click()
    assert pixels(page, wait_for_new_image(page, "default", None)).max() > 100
    assert "dB" in page.locator("#scores").inner_text()
    page.close()


def test_a_mouse_drag_of_the_slider_ends_on_the_pictures_for_where_it_stopped(browser, app_url):
    """Answers to a fast drag must not land out of order: the last picture is the one for the final value."""
    page = open_app(browser, app_url)
    draw_seven(page)
    wait_for_new_image(page, "noisy", None)
    numbered = page.evaluate("window.liveCalls || 0")
    slider = page.locator("#factor input[type=range]").first
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 0.4 * box["width"], y)
    page.mouse.down()
    for step in range(1, 31):
        page.mouse.move(box["x"] + (0.4 + 0.45 * step / 30) * box["width"], y)
        page.wait_for_timeout(40)
    page.mouse.up()
    settled_scores(page)
    assert page.evaluate("window.liveCalls") > numbered  # the page numbers its calls, so a late older one is dropped
    factor = float(page.locator("#factor input[type=number]").first.input_value())
    assert factor > 0.7
    clean = pixels(page, image_source(page, "clean"))[::8, ::8] / 255.0  # (28, 28): the pictures are 8x upscaled
    noisy = pixels(page, image_source(page, "noisy"))[::8, ::8].astype(int)
    expected = np.clip(clean + factor * noise_field("gaussian", 0)[0, 0].numpy(), 0, 1) * 255
    assert np.abs(noisy - expected).max() <= 2, f"the noisy picture is not the one for factor {factor}"
    page.close()


@pytest.fixture(scope="module")
def forgetful_app_url():
    """The app under Gradio's test flag, which makes the server forget a dropped session's state after 1 s, not an hour."""
    from app_server import running_app

    with running_app(extra_env={"GRADIO_IS_E2E_TEST": "1"}) as url:
        yield url


def test_the_pictures_outlive_a_dropped_connection_the_server_forgot(browser, forgetful_app_url):
    """A phone tab in the background drops the connection; an hour later the server deletes the session's state.

    The pictures then went blank on the next slider step while the canvas still showed the digit.
    """
    page = open_app(browser, forgetful_app_url)
    draw_seven(page)
    noisy = wait_for_new_image(page, "noisy", None)
    clean = pixels(page, image_source(page, "clean"))
    page.evaluate("window.stop()")  # aborts the page's open requests, the session's heartbeat among them
    page.wait_for_timeout(4000)  # the server marks the session closed, and its state expires after 1 s
    page.locator("#factor input[type=range]").first.focus()
    page.keyboard.press("ArrowRight")
    assert wait_for_new_image(page, "noisy", noisy)
    settled_scores(page)
    assert "dB" in page.locator("#scores").inner_text()
    assert np.array_equal(pixels(page, image_source(page, "clean")), clean)
    page.close()


def test_an_uploaded_photo_is_read_as_a_digit(browser, app_url, tmp_path):
    photo = Image.new("RGB", (1200, 900), "white")
    ImageDraw.Draw(photo).line([(400, 200), (800, 200), (550, 750)], fill="black", width=60)
    photo.save(tmp_path / "seven.jpg")
    page = open_app(browser, app_url)
    page.locator("#sketch input[type=file]").first.set_input_files(str(tmp_path / "seven.jpg"))
    clean = pixels(page, wait_for_new_image(page, "clean", None))
    assert clean.max() == 255 and clean[:16].max() == 0  # a light digit on black, centred like MNIST
    page.close()


def test_a_file_that_is_not_a_picture_given_to_the_canvas_is_named_under_it(browser, app_url, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image at all")
    page = open_app(browser, app_url)
    page.locator("#sketch input[type=file]").first.set_input_files(str(text))
    warning = page.locator("#sketch-upload-error")
    warning.wait_for(state="visible", timeout=10_000)
    assert "notes.png is not a picture" in warning.inner_text()
    canvas_bottom = page.locator("#sketch").bounding_box()["y"] + page.locator("#sketch").bounding_box()["height"]
    assert 0 <= warning.bounding_box()["y"] - canvas_bottom < 40, "the message belongs right under the canvas"
    draw_seven(page)  # the next drawing takes the message away, and works
    assert wait_for_new_image(page, "default", None) and not warning.is_visible()
    page.close()


def test_after_clearing_the_canvas_the_pen_draws_again(browser, app_url):
    page = open_app(browser, app_url)
    draw_seven(page)
    first = wait_for_new_image(page, "default", None)
    page.locator("#sketch button[aria-label='Clear canvas']").click()
    page.wait_for_function("() => !document.querySelector('#default img')", timeout=20_000)
    page.wait_for_timeout(1500)  # the brush is picked again once the cleared editor has settled
    draw_seven(page)
    assert wait_for_new_image(page, "default", first)
    page.close()


def canvas_zoom(page) -> str:
    """The zoom the editor shows under its canvas ("121%")."""
    return page.locator("#sketch .zoom-number [role=button]").first.inner_text().strip()


def test_clearing_keeps_the_canvas_as_large_as_the_page_showed_it(browser, app_url):
    """Clear reset the editor to 100%: on a desktop the drawing area shrank from 336 to 280 px."""
    page = open_app(browser, app_url)
    fitted = canvas_zoom(page)
    draw_seven(page)
    wait_for_new_image(page, "default", None)
    page.locator("#sketch button[aria-label='Clear canvas']").click()
    page.wait_for_function(f"() => document.querySelector('#sketch .zoom-number [role=button]')?.textContent.trim() === "
                           f"'{fitted}'", timeout=10_000)
    page.wait_for_timeout(1500)  # and it stays so, with the brush picked again
    assert canvas_zoom(page) == fitted and fitted != "100%"  # 1280 px wide: the fitted canvas is larger than 280 px
    assert not page.locator("#sketch").get_by_text("Fit to screen").is_visible()  # no zoom menu left open
    draw_seven(page)
    assert wait_for_new_image(page, "default", None)
    page.close()


def test_in_a_browser_set_to_spanish_the_pen_is_ready_and_clear_still_wins(browser, app_url):
    """Gradio translates the editor's labels ("Pincel", "Limpiar lienzo"): the page, finding its buttons by
    their English labels, never picked the brush there, nor noticed a Clear."""
    page = open_app(browser, app_url, locale="es-ES")
    clear = page.locator("#sketch button[aria-label='Limpiar lienzo']")
    assert clear.count() == 1  # the labels really are translated here
    assert "highlight" in page.locator("#sketch button[aria-label='Pincel']").get_attribute("class")
    fitted = canvas_zoom(page)
    draw_seven(page)
    wait_for_new_image(page, "default", None)
    for delay_ms in (400, 600):  # as in the test below: the late stroke report must not undo the Clear
        draw_seven(page)
        page.wait_for_timeout(delay_ms)
        clear.click()
        settled_scores(page)
        assert image_source(page, "clean") is None, f"the cleared digit came back ({delay_ms} ms from stroke to Clear)"
    assert canvas_zoom(page) == fitted
    page.close()


def test_clearing_right_after_a_stroke_leaves_the_canvas_blank(browser, app_url):
    """The editor reports a stroke late; a Clear in between must still win (it lost about one time in three)."""
    page = open_app(browser, app_url)
    for delay_ms in (400, 500, 600, 400, 500, 600):
        draw_seven(page)
        page.wait_for_timeout(delay_ms)
        page.locator("#sketch button[aria-label='Clear canvas']").click()
        settled_scores(page)
        assert image_source(page, "clean") is None, f"the cleared digit came back ({delay_ms} ms from stroke to Clear)"
        page.wait_for_timeout(300)
    page.close()


def canvas_ink(page) -> float:
    """The share of the canvas drawn dark, as the user sees it (a screenshot of the editor's canvas)."""
    shot = Image.open(io.BytesIO(page.locator("#sketch canvas").first.screenshot())).convert("L")
    return float((np.asarray(shot) < 128).mean())


def test_clearing_while_an_example_loads_leaves_canvas_and_pictures_blank_together(browser, app_url):
    """An example reaches the editor about a second after its click; a Clear in that time left the canvas
    and the pictures disagreeing (one blank, the other the example) in 6 to 9 tries out of 15."""
    page = open_app(browser, app_url)
    for delay_ms in (0, 300, 700, 1000, 1300):
        page.locator("button.gallery-item").nth(1).click()
        page.wait_for_timeout(delay_ms)
        page.locator("#sketch button[aria-label='Clear canvas']").click()
        page.wait_for_timeout(2500)  # the example's load, and a second Clear if the first came before it
        settled_scores(page)
        canvas_blank, pictures_blank = canvas_ink(page) < 0.01, image_source(page, "clean") is None
        assert canvas_blank and pictures_blank, f"{delay_ms} ms: canvas blank {canvas_blank}, pictures blank {pictures_blank}"
    page.close()


def example_with_factor_box(browser, app_url):
    """A page showing the first example: (page, its noisy picture's source, the factor's number box)."""
    page = open_app(browser, app_url)
    page.locator("button.gallery-item").first.click()
    first = wait_for_new_image(page, "noisy", None)
    return page, first, page.locator("#factor input[type=number]").first


def toasts(page) -> list[str]:
    """The texts of the toasts on the page: errors and warnings (none expected in a healthy session)."""
    return page.locator("[data-testid=toast-body]").all_inner_texts()


def test_emptying_the_noise_factor_box_to_retype_it_shows_no_error(browser, app_url):
    page, first, box = example_with_factor_box(browser, app_url)
    box.fill("")  # on the way to typing a new value
    page.wait_for_timeout(1500)
    assert not toasts(page), toasts(page)
    box.fill("0.8")
    box.press("Enter")
    assert wait_for_new_image(page, "noisy", first) and "0.8" in page.locator("#factor input[type=number]").first.input_value()
    page.close()


def test_a_seed_box_left_empty_draws_seed_0_and_the_page_keeps_answering(browser, app_url):
    """An emptied seed box made every later change wait for a value that never came: the pictures froze."""
    page, first, _ = example_with_factor_box(browser, app_url)
    page.locator("#noise-seed input").first.fill("")
    page.locator("#scores").click()  # focus leaves the box, still empty
    page.locator("#kind label", has_text="dropout").click()
    wait_for_new_image(page, "noisy", first)
    settled_scores(page)
    assert "noisy-dropout-0.40-" in image_source(page, "noisy")
    clean = torch.from_numpy(pixels(page, image_source(page, "clean"))[::8, ::8] / 255.0).float()  # (28, 28)
    expected = apply_noise(clean, 0.4, noise_field("dropout", 0)[0, 0], "dropout") * 255  # seed 0's pattern
    assert np.abs(pixels(page, image_source(page, "noisy"))[::8, ::8] - expected.numpy()).max() <= 1
    assert not toasts(page), toasts(page)
    page.close()


def test_a_factor_typed_past_the_end_draws_the_pictures_at_the_end_the_controls_then_show(browser, app_url):
    page, at_default, box = example_with_factor_box(browser, app_url)
    box.fill("1.5")
    box.press("Enter")
    page.keyboard.press("Tab")  # the box clamps to 1 as it loses focus
    wait_for_new_image(page, "noisy", at_default)
    settled_scores(page)
    past_the_end = image_source(page, "noisy")
    assert "noisy-gaussian-1.00-" in past_the_end  # the name a download gets
    assert box.input_value() == "1" and page.locator("#factor input[type=range]").first.input_value() == "1"
    (toast,) = toasts(page)  # a warning, once; no error
    assert toast.startswith("Warning") and toast.endswith("noise factor goes from 0 to 1, got 1.5: drawn at 1 "
                                                          "(decimals take a point: 0.5)")
    box.fill("1")
    box.press("Enter")
    settled_scores(page)
    assert np.array_equal(pixels(page, image_source(page, "noisy")), pixels(page, past_the_end))
    page.close()


def test_on_a_phone_the_filter_row_fits_the_screen(browser, app_url):
    page = open_app(browser, app_url, {"width": 390, "height": 844})
    show_first_example(page)
    open_filter_row(page)
    edges = page.locator("#filters .thumbnail-item").evaluate_all(
        "tiles => tiles.map(tile => tile.getBoundingClientRect().right)")
    assert len(edges) == 4 and max(edges) <= 390, f"filter tiles end at {edges} on a 390 px screen"
    page.close()


def test_on_a_phone_the_pictures_and_the_slider_fit_one_screen(browser, app_url):
    """Drawing at the top, then pictures, then the slider: a drag stays in view with what it changes."""
    page = open_app(browser, app_url, {"width": 390, "height": 844})
    top = {element_id: page.locator(f"#{element_id}").bounding_box() for element_id in ("sketch", "clean", "seed-out", "factor")}
    assert top["sketch"]["y"] < top["clean"]["y"] < top["seed-out"]["y"] < top["factor"]["y"]
    assert top["factor"]["y"] + top["factor"]["height"] - top["clean"]["y"] <= 844
    page.close()


def _overlaps(a: dict, b: dict) -> bool:
    across = a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
    return across and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("width", [1280, 768, 360])
def test_labels_stay_clear_of_the_buttons_over_them(browser, app_url, width):
    """The canvas toolbar and the download buttons sit over the top of their blocks; labels must wrap short of them."""
    page = open_app(browser, app_url, {"width": width, "height": 900})
    show_first_example(page)
    label = page.locator("#sketch [data-testid=block-label]").bounding_box()
    toolbar = [page.locator(f"#sketch button[aria-label='{name}']").first.bounding_box() for name in ("Pan", "Zoom in")]
    assert not any(_overlaps(label, button) for button in toolbar), f"{label} under the canvas toolbar {toolbar}"
    for element_id in ("clean", "noisy", "default", "seed-out"):
        label = page.locator(f"#{element_id} [data-testid=block-label]").bounding_box()
        download = page.locator(f"#{element_id} button[aria-label=Download]").bounding_box()
        assert not _overlaps(label, download), f"#{element_id}'s label {label} runs under its download button {download}"
    page.close()


@pytest.mark.parametrize("width", [1280, 768, 360])
def test_labels_sit_above_the_pictures_not_over_them(browser, app_url, width):
    """Wrapped onto two or three lines at tablet and phone widths, labels hid the top of a digit or a panel."""
    page = open_app(browser, app_url, {"width": width, "height": 900})
    show_first_example(page)
    page.locator("#show-filters input").check()
    page.locator("#show-features input").check()
    page.wait_for_selector("#filters img", timeout=20_000)
    page.wait_for_selector("#features-seed img", timeout=20_000)
    for element_id in ("clean", "noisy", "default", "seed-out", "features-default", "features-seed", "filters"):
        label = page.locator(f"#{element_id} [data-testid=block-label]").bounding_box()
        picture = page.locator(f"#{element_id} img").first.bounding_box()
        assert label["y"] + label["height"] <= picture["y"] + 1, f"#{element_id}'s label {label} covers its picture {picture}"
    page.close()


@pytest.mark.parametrize("width", [1280, 768, 500, 360])
def test_the_two_pictures_of_a_pair_are_the_same_size_and_level(browser, app_url, width):
    """At 768 px "clean (what the model should get back)" wrapped and "noisy (...)" did not: 16 px apart;
    at 360 px, a common phone width, the one wrapped onto three lines and the other onto two."""
    page = open_app(browser, app_url, {"width": width, "height": 900})
    show_first_example(page)
    for left, right in (("clean", "noisy"), ("default", "seed-out")):
        a, b = (page.locator(f"#{element_id} img").first.bounding_box() for element_id in (left, right))
        assert abs(a["y"] - b["y"]) <= 2 and abs(a["height"] - b["height"]) <= 2, f"#{left} {a} against #{right} {b}"
    page.close()


@pytest.mark.parametrize("width", [700, 390])
def test_on_a_narrow_screen_the_pictures_come_right_after_the_drawing(browser, app_url, width):
    """Columns stack below 768 px, but the pictures moved up only below 641: from 641 to 767 px (a phone
    held sideways) they sat under every control, off screen while the slider was dragged."""
    page = open_app(browser, app_url, {"width": width, "height": 900})
    canvas, clean, slider = (page.locator(selector).first.bounding_box()
                             for selector in ("#sketch", "#clean", "#factor input[type=range]"))
    assert canvas["y"] < clean["y"] < slider["y"], f"canvas {canvas}, clean {clean}, slider {slider}"
    page.close()


def test_on_a_phone_an_example_brings_its_drawing_and_pictures_into_view(browser, app_url):
    """The examples are the last block of a phone's page; tapping one changed pictures 1000 px above the screen."""
    page = open_app(browser, app_url, {"width": 390, "height": 844})
    page.locator("button.gallery-item").first.scroll_into_view_if_needed()
    page.locator("button.gallery-item").first.click()
    wait_for_new_image(page, "default", None)
    page.wait_for_timeout(1500)  # a smooth scroll
    clean = page.locator("#clean img").first.bounding_box()
    assert 0 <= clean["y"] and clean["y"] + clean["height"] <= 844, f"the clean picture is at {clean}, off screen"
    page.close()


def test_on_a_phone_the_feature_panels_are_stacked_full_width(browser, app_url):
    """Side by side, each panel was 164 px wide on a 412 px phone and its stage labels about 4 px tall."""
    page = open_app(browser, app_url, {"width": 412, "height": 915})
    show_first_example(page)
    page.locator("#show-features input").check()
    page.wait_for_selector("#features-seed img", timeout=20_000)
    first, second = (page.locator(f"#{element_id} img").first.bounding_box()
                     for element_id in ("features-default", "features-seed"))
    assert first["width"] > 300 and second["width"] > 300 and second["y"] >= first["y"] + first["height"], (first, second)
    page.close()


def test_a_focused_checkbox_shows_a_focus_ring(browser, app_url):
    """Gradio draws none on a ticked checkbox: keyboard users could not see where they were."""
    page = open_app(browser, app_url)
    page.locator("#show-filters input").focus()
    page.keyboard.press("Space")  # ticked, from the keyboard: :focus-visible applies
    outline = page.locator("#show-filters input").evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline not in ("none", ""), outline
    page.close()


def test_every_result_picture_has_a_description_for_screen_readers(browser, app_url):
    page = open_app(browser, app_url)
    show_first_example(page)
    page.locator("#show-features input").check()
    page.wait_for_selector("#features-seed img", timeout=20_000)
    for element_id in ("clean", "noisy", "default", "seed-out", "features-default", "features-seed"):
        assert len(page.locator(f"#{element_id} img").first.get_attribute("alt") or "") > 20, element_id
    page.close()


def test_the_noise_kinds_read_as_words_and_the_psnr_line_is_announced(browser, app_url):
    page = open_app(browser, app_url)
    labels = page.locator("#kind label").all_inner_texts()
    assert [label.strip() for label in labels] == ["gaussian", "salt and pepper", "speckle", "Poisson", "dropout"]
    page.locator("#kind label", has_text="salt and pepper").click()
    show_first_example(page)
    assert "dB" in settled_scores(page) and page.locator("#scores").get_attribute("aria-live") == "polite"
    page.close()


def test_the_filter_row_is_as_tall_as_its_tiles_on_a_tablet(browser, app_url):
    """With a fixed height the row left 66 to 162 px of empty band under its tiles from 641 to 1024 px."""
    page = open_app(browser, app_url, {"width": 768, "height": 900})
    show_first_example(page)
    open_filter_row(page)
    row = page.locator("#filters").bounding_box()
    tiles_end = max(page.locator("#filters .thumbnail-item").evaluate_all("ts => ts.map(t => t.getBoundingClientRect().bottom)"))
    assert row["y"] + row["height"] - tiles_end < 30
    page.close()


@pytest.mark.parametrize("selector, focused", [("#factor", "#factor input[type=range]"), ("#kind", "#kind input")])
def test_keyboard_focus_is_visible_on_the_slider_and_the_noise_kinds(browser, app_url, selector, focused):
    page = open_app(browser, app_url)
    page.locator("#noise-seed input").first.focus()  # the focus elsewhere
    before = page.locator(selector).screenshot()
    page.locator(focused).first.focus()
    page.keyboard.press("Shift+Tab")  # leave and come back by keyboard, so :focus-visible applies
    page.keyboard.press("Tab")
    assert page.evaluate(f"document.activeElement.matches('{focused}:focus-visible')")
    after = page.locator(selector).screenshot()
    shots = [np.asarray(Image.open(io.BytesIO(shot)).convert("L"), dtype=int) for shot in (before, after)]
    changed = int((np.abs(shots[0] - shots[1]) > 30).sum()) if shots[0].shape == shots[1].shape else 10**6
    assert changed >= 50, f"only {changed} pixels show that {focused} has the keyboard's focus"
    page.close()


def test_example_buttons_are_named_for_screen_readers(browser, app_url):
    page = open_app(browser, app_url)
    page.wait_for_function("""() => { const buttons = [...document.querySelectorAll('button.gallery-item')];
                                      return buttons.length && buttons.every(b => b.hasAttribute('aria-label')); }""",
                           timeout=15_000)
    names = page.locator("button.gallery-item").evaluate_all("buttons => buttons.map(b => b.getAttribute('aria-label'))")
    files = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.png"))
    assert names == [f"Example: {path.stem.replace('_', ' ')}" for path in files]
    page.close()
