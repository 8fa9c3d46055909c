"""The export run by a Blender binary matches the export run by the ``bpy`` module.

The demo is built by the binary, because a .blend saved by a newer Blender (the
``bpy`` module) does not open in an older binary. The same file is then exported by
``blender -b ... --python scripts/watchtower_export.py`` and by
``python -m watchtower_blender_addon export`` into two destinations.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.binary, pytest.mark.slow]

REPOSITORY = Path(__file__).resolve().parent.parent
BUILD_DEMO = REPOSITORY / "scripts" / "build_demo.py"
EXPORT_SCRIPT = REPOSITORY / "scripts" / "watchtower_export.py"

# A stuck Blender must not hang the suite, and each step here takes seconds.
PROCESS_TIMEOUT_SECONDS = 900

# A small video keeps both renders of the demo's 425 frames quick.
VIDEO_WIDTH = "320"

# The tests need no sound device, so -noaudio stops Blender from opening one.
BLENDER_FLAGS = ["-b", "--factory-startup", "-noaudio"]


@dataclass
class DemoExports:
    """The demo file and its two exports, by the binary and by the ``bpy`` module."""

    blend: Path
    by_binary: Path
    by_module: Path


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment['PYTHONPATH'] = os.pathsep.join(
        filter(None, [str(REPOSITORY), environment.get('PYTHONPATH')])
    )
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=environment,
        timeout=PROCESS_TIMEOUT_SECONDS,
        check=False,
    )


@pytest.fixture(scope='module')
def blender() -> str:
    """Return the path of the ``blender`` binary. Without one, fail when CI is set, else skip."""
    path = shutil.which("blender")
    if path is not None:
        return path
    if os.environ.get("CI"):
        pytest.fail("CI is set but no 'blender' is on PATH: install Blender (apt install blender)")
    pytest.skip("no 'blender' binary on PATH (apt install blender to run these tests)")


@pytest.fixture(scope='module')
def demo_exports(blender: str, tmp_path_factory: pytest.TempPathFactory) -> DemoExports:
    root = tmp_path_factory.mktemp("binary")
    built = run([blender, *BLENDER_FLAGS, "--python", str(BUILD_DEMO), "--", str(root / "demo")])
    assert built.returncode == 0, built.stdout + built.stderr
    blend = root / "demo" / "demo-edit.blend"
    assert blend.is_file(), built.stdout

    exports = DemoExports(blend, root / "by-binary", root / "by-module")
    by_binary = run(
        [blender, *BLENDER_FLAGS, str(blend), "--python", str(EXPORT_SCRIPT), "--"]
        + ["-d", str(exports.by_binary), "--video-width", VIDEO_WIDTH]
    )
    assert by_binary.returncode == 0, by_binary.stderr
    by_module = run(
        [sys.executable, "-m", "watchtower_blender_addon", "export", str(blend)]
        + ["-d", str(exports.by_module), "--video-width", VIDEO_WIDTH]
    )
    assert by_module.returncode == 0, by_module.stderr
    return exports


def relative_files(folder: Path, pattern: str) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob(pattern))


def count_decoded_frames(video: Path) -> int:
    import av

    with av.open(str(video)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_binary_and_module_write_same_json_files(demo_exports):
    binary_files = relative_files(demo_exports.by_binary, "*.json")
    module_files = relative_files(demo_exports.by_module, "*.json")

    assert binary_files == module_files
    # The list and the project's six documents.
    assert len(binary_files) == 7, binary_files
    for name in binary_files:
        binary_bytes = (demo_exports.by_binary / name).read_bytes()
        module_bytes = (demo_exports.by_module / name).read_bytes()
        assert json.loads(binary_bytes) == json.loads(module_bytes), name
        assert binary_bytes == module_bytes, name


@pytest.mark.parametrize('exporter', ['by_binary', 'by_module'])
def test_exported_video_has_total_frames(demo_exports, exporter):
    destination = getattr(demo_exports, exporter)
    (edit_json,) = destination.glob("data/projects/*/edit.json")
    total_frames = json.loads(edit_json.read_text(encoding='utf-8'))['totalFrames']

    assert total_frames > 0
    assert count_decoded_frames(edit_json.parent / "edit.mp4") == total_frames


def test_binary_unknown_scene_exits_2(demo_exports, blender, tmp_path):
    destination = tmp_path / "site"

    completed = run(
        [blender, *BLENDER_FLAGS, str(demo_exports.blend), "--python", str(EXPORT_SCRIPT), "--"]
        + ["-d", str(destination), "--no-video", "--scene", "Nope"]
    )

    assert completed.returncode == 2, completed.stderr
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("error: ")
    assert "'Nope'" in lines[0]
    assert "demo-edit.blend" in lines[0]
    assert "'Demo edit'" in lines[0]
