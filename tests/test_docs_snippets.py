"""The Python examples in README.md and in the model cards run as printed."""

import re
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


def test_the_readmes_package_example_runs_and_denoises_a_batch():
    section = (ROOT / "README.md").read_text().split("## Use the package", 1)[1]
    namespace: dict = {}
    exec(python_blocks(section)[0], namespace)
    denoised, clean = namespace["denoised"], namespace["clean"]
    assert denoised.shape == clean.shape == (8, 1, 28, 28)
    assert denoised.device == clean.device and 0 <= denoised.min() and denoised.max() <= 1


@pytest.mark.parametrize("name", ["seed", "default"])
def test_each_model_cards_example_runs_as_printed(name):
    card = (ROOT / "weights" / name / "README.md").read_text()
    namespace: dict = {}
    exec(python_blocks(card)[0], namespace)
    denoised, clean = namespace["denoised"], namespace["clean"]
    assert isinstance(denoised, torch.Tensor) and denoised.shape == clean.shape == (8, 1, 28, 28)
