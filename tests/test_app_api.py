"""The running app's documented API, called the way a user would: gradio_client against /denoise."""

from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image, ImageDraw

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "digit_7.png")


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def read(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255


def test_api_lists_denoise_with_image_and_factor_first(client):
    endpoint = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/denoise"]
    names = [parameter["parameter_name"] for parameter in endpoint["parameters"]]
    assert names[:2] == ["image_file", "noise_factor"]
    assert all(parameter["parameter_has_default"] for parameter in endpoint["parameters"][2:])


def test_denoise_returns_clean_noisy_and_a_reconstruction_closer_to_clean(client):
    clean_path, noisy_path, reconstructed_path, scores = client.predict(
        handle_file(EXAMPLE), 0.5, api_name="/denoise"
    )
    clean, noisy, reconstructed = read(clean_path), read(noisy_path), read(reconstructed_path)
    assert clean.shape == noisy.shape == reconstructed.shape == (224, 224)
    assert clean.max() > 0.9 and clean[:8].max() == 0  # a light digit on black, border empty
    assert np.mean((reconstructed - clean) ** 2) < np.mean((noisy - clean) ** 2) / 4
    assert "dB" in scores


def test_same_seed_gives_the_same_noise_and_another_seed_does_not(client):
    first = read(client.predict(handle_file(EXAMPLE), 0.4, "gaussian", 3, api_name="/denoise")[1])
    again = read(client.predict(handle_file(EXAMPLE), 0.4, "gaussian", 3, api_name="/denoise")[1])
    other = read(client.predict(handle_file(EXAMPLE), 0.4, "gaussian", 4, api_name="/denoise")[1])
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_each_model_can_be_chosen_and_answers_as_that_model_does_in_process(client):
    from denoiser import load_model
    from denoiser.demo import Demo
    from denoiser.image_files import read_image_file
    from denoiser.preprocess import drawing_to_digit

    digit = drawing_to_digit(read_image_file(EXAMPLE))
    expected = Demo({name: load_model(name, "cpu") for name in ("default", "seed")}).render(digit, 0.4, "gaussian", 0)
    for name in ("default", "seed"):
        answer = read(client.predict(handle_file(EXAMPLE), 0.4, "gaussian", 0, name, api_name="/denoise")[2])
        assert np.array_equal(answer, read(expected.reconstructed[name])), name


@pytest.mark.parametrize("factor, message", [
    (1.5, r"noise factor must be in \[0, 1\], got 1.5"), (-0.2, r"noise factor must be in \[0, 1\], got -0.2"),
    ("loud", r"noise factor must be a number in \[0, 1\], got .loud."),
    (None, "noise factor must be a number in"),
])
def test_bad_factor_is_refused_with_a_message(client, factor, message):
    with pytest.raises(Exception, match=message):
        client.predict(handle_file(EXAMPLE), factor, api_name="/denoise")


@pytest.mark.parametrize("factor, seed, message", [
    ("0.5", 0, r"^noise factor must be a number in \[0, 1\], got '0.5'$"),
    (0.4, True, r"^noise seed must be a number, got True$"),
])
def test_text_or_a_bool_for_a_number_box_is_refused_in_the_boxs_words_alone(client, factor, seed, message):
    """Raised as a plain ValueError in the box's preprocessing, the message came wrapped in Gradio's
    "Could not preprocess input component at index 1 ... Original error: ValueError: ...", and logged a traceback."""
    with pytest.raises(Exception, match=message):
        client.predict(handle_file(EXAMPLE), factor, "gaussian", seed, "default", api_name="/denoise")


def test_a_faint_drawing_is_refused_as_too_faint_not_as_blank(client, tmp_path):
    faint = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(faint).line([(100, 60), (180, 60), (130, 220)], fill=240, width=18)
    faint.save(tmp_path / "faint.png")
    with pytest.raises(Exception, match="too faint to read"):
        client.predict(handle_file(str(tmp_path / "faint.png")), 0.4, api_name="/denoise")


def test_a_text_file_is_refused_with_a_message(client, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image at all")
    with pytest.raises(Exception, match="not an image"):
        client.predict(handle_file(str(text)), 0.4, api_name="/denoise")


def test_a_blank_image_is_refused_with_a_message(client, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(blank)
    with pytest.raises(Exception, match="blank"):
        client.predict(handle_file(str(blank)), 0.4, api_name="/denoise")


def app_log(app_url) -> Path:
    """The running app's output (`app_server.running_app` writes it beside pytest's cache, by port)."""
    return Path(__file__).resolve().parent.parent / ".pytest_cache" / f"app-{urlsplit(app_url).port}.log"


@pytest.mark.parametrize(("kind", "model", "message"), [
    ("hiss", "default", r"^noise kind must be one of gaussian, salt_pepper, speckle, poisson, dropout, got 'hiss'$"),
    ("Gaussian", "default", r"^noise kind must be one of gaussian, .*got 'Gaussian'$"),
    ("gaussian", "unet", r"^model must be one of default, seed, got 'unet'$"),
])
def test_an_unknown_kind_or_model_is_refused_naming_the_parameter_and_logs_no_traceback(client, app_url, kind, model, message):
    """Gradio's own refusal read "Value: 'hiss' (type: <class 'str'>) is not in the list of choices" and logged a traceback."""
    logged = app_log(app_url).stat().st_size
    with pytest.raises(Exception, match=message):
        client.predict(handle_file(EXAMPLE), 0.4, kind, 0, model, api_name="/denoise")
    assert "Traceback" not in app_log(app_url).read_text()[logged:]


def test_a_kind_may_be_named_by_the_label_the_page_shows(client):
    by_label, by_name = (client.predict(handle_file(EXAMPLE), 0.4, kind, 3, api_name="/denoise")
                         for kind in ("salt and pepper", "salt_pepper"))
    assert np.array_equal(read(by_label[1]), read(by_name[1])) and by_label[3] == by_name[3]


def test_a_bare_path_for_the_image_is_refused_saying_how_to_send_a_file(client, app_url):
    """A path string reached pydantic, whose "validation error for FileData ... 'meta' field" named nothing useful."""
    logged = app_log(app_url).stat().st_size
    with pytest.raises(Exception, match=r"^image_file must be sent as a file: with gradio_client, pass handle_file\('.*"
                                        r"digit_7.png'\), not a bare path or URL$"):
        client.predict(EXAMPLE, 0.4, api_name="/denoise")
    assert "Traceback" not in app_log(app_url).read_text()[logged:]
    endpoint = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/denoise"]
    assert "handle_file(path or URL)" in str(endpoint["parameters"][0])  # the API page says so too


def test_app_keeps_serving_after_bad_requests(client, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image at all")
    for bad_request in [(handle_file(EXAMPLE), 1.5), (handle_file(str(text)), 0.4), (handle_file(EXAMPLE), 0.4, "hiss")]:
        with pytest.raises(Exception):  # noqa: B017 - each is refused; the messages are tested above
            client.predict(*bad_request, api_name="/denoise")
    clean_path, _, _, scores = client.predict(handle_file(EXAMPLE), 0.2, api_name="/denoise")
    assert read(clean_path).max() > 0.9 and "dB" in scores


def test_files_outside_the_apps_folders_are_not_served(app_url):
    import urllib.error
    import urllib.request

    for path in ("/etc/passwd", str(Path(__file__).resolve())):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{app_url}gradio_api/file={path}", timeout=10)
        assert refused.value.code in (403, 404)


@pytest.mark.parametrize("seed", [-1, 2**70, 1.5, True])  # 1.5 was rounded to 2, True taken as 1, -1 named no box
def test_noise_seed_out_of_range_is_refused_with_a_message(client, seed):
    with pytest.raises(Exception, match=r"noise seed must be"):
        client.predict(handle_file(EXAMPLE), 0.4, "gaussian", seed, api_name="/denoise")
