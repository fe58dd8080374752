"""The README's front matter is the Hugging Face Space's configuration: it must match what the tests ran on."""

import re
import sys
from pathlib import Path

import gradio

ROOT = Path(__file__).resolve().parent.parent


def _front_matter() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    block = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert block, "README.md must start with the Space's front matter between --- lines"
    pairs = (line.split(":", 1) for line in block.group(1).splitlines() if ":" in line)
    return {key.strip(): value.strip().strip('"') for key, value in pairs}


def test_the_space_runs_the_gradio_and_python_the_tests_ran_on():
    config = _front_matter()
    assert config["sdk"] == "gradio" and config["sdk_version"] == gradio.__version__
    assert config["python_version"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"gradio=={config['sdk_version']}" in (ROOT / "requirements.txt").read_text().split()


def test_the_space_starts_the_app_file():
    assert (ROOT / _front_matter()["app_file"]).is_file()
