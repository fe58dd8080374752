"""Start-up with damaged weights: the app refuses to start and says which file and what to do."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_copy(tmp_path):
    """A copy of the app with its own weights folder, safe to damage."""
    for name in ("app.py", "denoiser", "weights", "examples"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    return tmp_path


def start(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py"], cwd=folder, capture_output=True, text=True, timeout=120,
                          env={"GRADIO_SERVER_PORT": "1", "PATH": "/usr/bin:/bin", "HOME": str(folder)})


def test_damaged_weights_stop_the_app_with_a_clear_message(app_copy):
    weights = app_copy / "weights" / "default" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100] + b"\x00" * 100)
    result = start(app_copy)
    assert result.returncode != 0
    assert "Cannot start the demo" in result.stderr and "model.safetensors is damaged" in result.stderr


def test_missing_weights_folder_stops_the_app_with_a_clear_message(app_copy):
    shutil.rmtree(app_copy / "weights" / "seed")
    result = start(app_copy)
    assert result.returncode != 0
    assert "weights/seed/config.json is missing" in result.stderr and "git checkout -- " in result.stderr
    assert re.search(r"the command in its model card \(\S*weights/seed/README.md\), which writes runs/seed", result.stderr)


def test_a_stopped_app_removes_its_picture_folder(tmp_path):
    """The folder of served PNGs was removed at exit only, and SIGTERM (how a container, or these tests,
    stop the app) skipped exit handlers: every stopped app left a denoiser_outputs_* folder in /tmp."""
    from app_server import running_app

    with running_app(extra_env={"TMPDIR": str(tmp_path)}):
        assert len(list(tmp_path.glob("denoiser_outputs_*"))) == 1
    assert not list(tmp_path.glob("denoiser_outputs_*"))
