"""Exports of unusual or broken input: ids, names, media, timelines and thumbnail URLs.

Each case must end with a clear one-line error or a warning naming what is wrong,
and must not lose or damage a project already in the destination.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import bpy
import pytest

from tests.helpers.site_paths import stored_paths
from tests.helpers.edits import (
    add_color,
    close_colors,
    export,
    frame_colors,
    new_scene,
    png_size,
    to_255,
)
from watchtower_blender_addon.blender import compat
from watchtower_blender_addon.core import media
from watchtower_blender_addon.core.errors import ExportFailed, InputError

pytestmark = pytest.mark.blender

REPOSITORY = Path(__file__).resolve().parent.parent
NO_MEDIA = {'video': False, 'previews': False}
KEPT_ID = "kept-film"
# The destination lock file stores the process id of the last export that held it.
LOCK_FILE = "data/.watchtower.lock"
UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Every file an export without video may write, as a path relative to the destination.
SITE_FILE = re.compile(
    rf"data/projects-list/index\.json"
    rf"|data/projects-list/previews/[0-9a-f]{{2}}/{UUID_PATTERN}\.png"
    rf"|data/projects/{UUID_PATTERN}/[a-z]+\.json"
    rf"|data/projects/{UUID_PATTERN}/previews/[0-9a-f]{{2}}/{UUID_PATTERN}\.png"
)
# A stuck Blender must not hang the suite. These exports take seconds.
PROCESS_TIMEOUT_SECONDS = 300


def tree_contents(folder: Path) -> dict[str, bytes]:
    """Return every file under ``folder`` but the lock file, by relative path."""
    contents = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != LOCK_FILE:
            contents[relative] = path.read_bytes()
    return contents


def three_shot_scene():
    scene = new_scene(1, 12)
    for index in range(3):
        add_color(scene, f"sh{index}", 1, 1 + 4 * index, 4, (0.3 * index, 0.5, 0.7))
    return scene


@pytest.fixture(scope='module')
def saved_edit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Return a saved three-shot .blend file and a destination with it exported as KEPT_ID."""
    folder = tmp_path_factory.mktemp("saved")
    blend = folder / "edit.blend"
    scene = three_shot_scene()
    bpy.ops.wm.save_as_mainfile(filepath=str(blend), copy=True)
    export(scene, folder / "site", project_id=KEPT_ID, project_name="kept", video=False)
    return blend, folder / "site"


@pytest.fixture
def site(saved_edit: tuple[Path, Path], tmp_path: Path) -> Path:
    """Return a private copy of the destination that contains KEPT_ID."""
    destination = tmp_path / "site"
    shutil.copytree(saved_edit[1], destination)
    return destination


def run_cli(blend: Path, site: Path, *options: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment['PYTHONPATH'] = os.pathsep.join(
        filter(None, [str(REPOSITORY), environment.get('PYTHONPATH')])
    )
    command = [sys.executable, "-m", "watchtower_blender_addon", "export", str(blend)]
    return subprocess.run(
        command + ["-d", str(site), "--no-video", "--no-previews", *options],
        capture_output=True,
        text=True,
        env=environment,
        timeout=PROCESS_TIMEOUT_SECONDS,
        check=False,
    )


def stderr_lines(completed: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in completed.stderr.splitlines() if line.strip()]




def assert_paths_resolve(site: Path) -> int:
    """Check that every stored path is a file under ``site`` and return their count."""
    paths = []
    for document in site.rglob("*.json"):
        paths += stored_paths(json.loads(document.read_text(encoding='utf-8')))
    for path in paths:
        resolved = (site / path).resolve()
        assert resolved.is_file(), path
        assert resolved.is_relative_to(site.resolve()), path
    return len(paths)


# Project ids and names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("project_id", "problem"),
    [
        ("a\0b", "control character"),
        ("a/b", "must not contain '/'"),
        ("a\\b", "must not contain"),
        ("../escape", "must not start with '.'"),
        ("..", "must not start with '.'"),
        (".hidden", "must not start with '.'"),
        ("x" * 129, "the maximum is 128"),
    ],
    ids=["nul", "slash", "backslash", "parent", "dot-dot", "leading-dot", "too-long"],
)
def test_invalid_project_id_rejected_in_process(site, project_id, problem):
    before = tree_contents(site)
    scene = three_shot_scene()

    with pytest.raises(InputError) as raised:
        export(scene, site, project_id=project_id, **NO_MEDIA)

    message = str(raised.value)
    assert message.startswith(f"Invalid project id {project_id!r}"), message
    assert problem in message
    assert "\n" not in message
    assert tree_contents(site) == before


@pytest.mark.slow
@pytest.mark.parametrize(
    ("project_id", "expected"),
    [
        ("a/b", "error: Invalid project id 'a/b': it must not contain '/'"),
        ("..", "error: Invalid project id '..': it must not start with '.'"),
        ("", "error: Invalid project id '': it is empty"),
    ],
    ids=["slash", "dot-dot", "empty"],
)
def test_invalid_project_id_option_exits_2(saved_edit, site, project_id, expected):
    before = tree_contents(site)

    completed = run_cli(saved_edit[0], site, "--project-id", project_id)

    assert completed.returncode == 2, completed.stderr
    assert stderr_lines(completed) == [expected]
    assert tree_contents(site) == before


HOSTILE_PROJECT_NAME = '../"quoted" name/..\\x'


def test_project_name_with_path_characters_kept(site):
    before = tree_contents(site)
    scene = three_shot_scene()

    exported = export(scene, site, project_name=HOSTILE_PROJECT_NAME, video=False)

    project_id = exported.result.project_id
    assert re.fullmatch(UUID_PATTERN, project_id)
    assert exported.read("project")['name'] == HOSTILE_PROJECT_NAME
    assert [s['name'] for s in exported.sequences] == [HOSTILE_PROJECT_NAME]
    index = json.loads((site / "data/projects-list/index.json").read_text(encoding='utf-8'))
    assert [p['name'] for p in index['projects']] == ["kept", HOSTILE_PROJECT_NAME]
    new_files = set(tree_contents(site)) - set(before)
    for path in new_files:
        assert path.startswith((f"data/projects/{project_id}/", "data/projects-list/")), path
        assert ".." not in path.split("/"), path
    assert assert_paths_resolve(site) >= 5
    for path, content in before.items():
        if path != "data/projects-list/index.json":
            assert tree_contents(site)[path] == content, path


@pytest.mark.slow
def test_project_name_option_kept_verbatim(saved_edit, site):
    completed = run_cli(saved_edit[0], site, "--project-name", HOSTILE_PROJECT_NAME)

    assert completed.returncode == 0, completed.stderr
    index = json.loads((site / "data/projects-list/index.json").read_text(encoding='utf-8'))
    assert [p['name'] for p in index['projects']] == ["kept", HOSTILE_PROJECT_NAME]
    new_id = index['projects'][1]['id']
    assert sorted(p.name for p in (site / "data/projects").iterdir()) == sorted([KEPT_ID, new_id])
    project = json.loads(
        (site / f"data/projects/{new_id}/project.json").read_text(encoding='utf-8')
    )
    assert project['name'] == HOSTILE_PROJECT_NAME


# Strip names -------------------------------------------------------------------------

HOSTILE_STRIP_NAMES = [
    'he said "cut"',
    "it's",
    "C:\\shots\\sh010",
    "🎬 shot 🎥",
    ".hidden",
    "..",
    "../../etc/passwd",
    "sq/01_sh010",
    "line\nbreak\ttab",
    "   ",
    "Shot",
    "shot",
    "<script>alert(1)</script>",
    # bpy 5.0.1 keeps at most 61 bytes of a strip name and must not cut the emoji in half.
    "a" * 60 + "🎬🎬",
]


def test_hostile_strip_names_export_verbatim(tmp_path):
    scene = new_scene(1, len(HOSTILE_STRIP_NAMES))
    stored = []
    for index, name in enumerate(HOSTILE_STRIP_NAMES):
        stored.append(add_color(scene, name, 1, 1 + index, 1).name)

    exported = export(scene, tmp_path, video=False)

    assert stored[:-1] == HOSTILE_STRIP_NAMES[:-1]
    assert HOSTILE_STRIP_NAMES[-1].startswith(stored[-1])
    assert stored[-1].startswith("a" * 60)
    shots = exported.shots
    assert [shot['name'] for shot in shots] == stored
    assert len({shot['id'] for shot in shots}) == len(stored)
    for shot in shots:
        assert re.fullmatch(UUID_PATTERN, shot['id'])
        assert png_size(tmp_path / shot['thumbnailUrl']) == (150, 100)
    assert assert_paths_resolve(tmp_path) == len(stored) + 2
    for path in tree_contents(tmp_path):
        assert SITE_FILE.fullmatch(path), path


def test_sequence_names_from_hostile_strip_names(tmp_path):
    scene = new_scene(1, 3)
    for index, name in enumerate(["../x_sh01", "sq/01_sh02", '"q"_sh03']):
        add_color(scene, name, 1, 1 + index, 1)

    exported = export(scene, tmp_path, project_name="film", sequence_source='names', **NO_MEDIA)

    assert [s['name'] for s in exported.sequences] == ["film", "sq/01", '"q"']
    assert exported.sequence_name_of("../x_sh01") == "film"
    assert sorted(p.name for p in (tmp_path / "data/projects").iterdir()) == [
        exported.result.project_id
    ]


# Missing and broken media ------------------------------------------------------------


def image_strip(scene, name: str, path: Path, start: int, length: int):
    strips = compat.strips_of(scene.sequence_editor)
    strip = strips.new_image(name=name, filepath=str(path), channel=1, frame_start=start)
    strip.frame_final_duration = length
    return strip


def write_corrupt_png(path: Path) -> None:
    """Write a file with a PNG signature followed by bytes that are no PNG chunk."""
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not a png chunk" * 8)


@pytest.mark.slow
def test_corrupt_image_strip_does_not_stop_export(tmp_path):
    write_corrupt_png(tmp_path / "broken.png")
    scene = new_scene(1, 10)
    image_strip(scene, "broken image", tmp_path / "broken.png", 1, 5)
    add_color(scene, "good", 1, 6, 5, (0.9, 0.1, 0.1))

    exported = export(scene, tmp_path / "site")

    colors = frame_colors(exported.project_dir / "edit.mp4")
    assert len(colors) == 10
    for frame in range(5, 10):
        assert close_colors(colors[frame], to_255((0.9, 0.1, 0.1))), frame
    assert [shot['name'] for shot in exported.shots] == ["broken image", "good"]


def test_corrupt_image_strip_warns_naming_strip(tmp_path):
    write_corrupt_png(tmp_path / "broken.png")
    scene = new_scene(1, 10)
    image_strip(scene, "broken image", tmp_path / "broken.png", 1, 5)
    add_color(scene, "good", 1, 6, 5)

    exported = export(scene, tmp_path / "site", **NO_MEDIA)

    assert any("'broken image'" in warning for warning in exported.result.warnings)


def test_missing_image_strip_warns_naming_file(tmp_path):
    missing = tmp_path / "gone.png"
    scene = new_scene(1, 10)
    image_strip(scene, "lost image", missing, 1, 5)
    add_color(scene, "good", 1, 6, 5)

    exported = export(scene, tmp_path / "site", **NO_MEDIA)

    assert exported.result.warnings == [f"strip 'lost image': media file not found: {missing}"]
    assert [shot['name'] for shot in exported.shots] == ["lost image", "good"]


def test_missing_image_strip_with_strict_raises(tmp_path):
    scene = new_scene(1, 10)
    image_strip(scene, "lost image", tmp_path / "gone.png", 1, 10)

    with pytest.raises(InputError, match="strip 'lost image': media file not found"):
        export(scene, tmp_path / "site", strict=True, **NO_MEDIA)
    assert not (tmp_path / "site").exists()


@pytest.mark.slow
def test_scene_strip_without_camera_warns_and_renders(tmp_path):
    scene = new_scene(1, 10)
    camera_less = bpy.data.scenes.new("No Camera")
    strips = compat.strips_of(scene.sequence_editor)
    strip = strips.new_scene(name="layout shot", scene=camera_less, channel=1, frame_start=1)
    strip.frame_final_duration = 6
    add_color(scene, "good", 1, 7, 4, (0.1, 0.8, 0.1))

    exported = export(scene, tmp_path)

    assert exported.result.warnings == ["strip 'layout shot': scene 'No Camera' has no camera"]
    colors = frame_colors(exported.project_dir / "edit.mp4")
    assert len(colors) == 10
    assert close_colors(colors[8], to_255((0.1, 0.8, 0.1)))
    assert [shot['name'] for shot in exported.shots] == ["layout shot", "good"]


# Unusual timelines -------------------------------------------------------------------


def test_overlapping_shots_each_listed_once(tmp_path):
    scene = new_scene(1, 30)
    add_color(scene, "low full", 1, 1, 30)
    add_color(scene, "high same start", 2, 1, 10)
    add_color(scene, "low later", 1, 31, 5)
    add_color(scene, "high nested", 2, 12, 3)
    add_color(scene, "high to end", 2, 20, 20)

    exported = export(scene, tmp_path, shot_channels=[1, 2], **NO_MEDIA)

    frames = [(s['name'], s['data']['frame_in'], s['data']['frame_out']) for s in exported.shots]
    assert frames == [
        ("low full", 0, 30),
        ("high same start", 0, 10),
        ("high nested", 11, 14),
        ("high to end", 19, 30),
    ]
    assert "strip 'low later'" in " ".join(exported.result.warnings)


def test_empty_meta_strip_is_one_frame_shot(tmp_path):
    # Blender gives a meta strip without children a length of one frame.
    scene = new_scene(1, 10)
    compat.strips_of(scene.sequence_editor).new_meta(name="empty meta", channel=1, frame_start=3)
    add_color(scene, "after", 1, 5, 6)

    exported = export(scene, tmp_path, **NO_MEDIA)

    frames = [(s['name'], s['data']['frame_in'], s['data']['frame_out']) for s in exported.shots]
    assert frames == [("empty meta", 2, 3), ("after", 4, 10)]


def test_zero_length_strip_cannot_be_created():
    scene = new_scene(1, 10)
    strip = add_color(scene, "one frame", 1, 1, 1)
    strip.frame_final_duration = 0

    assert strip.frame_final_duration == 1
    # Blender 5.0 reports "invalid length", and 4.2 and 4.5 report "end frame not set".
    with pytest.raises(RuntimeError, match="invalid length|end frame not set"):
        add_color(scene, "zero", 2, 1, 0)


SHOT_COUNT = 2000


def test_two_thousand_shots_listed_with_unique_ids(tmp_path):
    scene = new_scene(1, 2 * SHOT_COUNT)
    for index in range(SHOT_COUNT):
        add_color(scene, f"sq{index // 100:02d}_sh{index:04d}", 1 + index % 2, 1 + 2 * index, 2)

    exported = export(scene, tmp_path, shot_channels=[1, 2], **NO_MEDIA)

    shots = exported.shots
    assert len(shots) == SHOT_COUNT
    assert len({shot['id'] for shot in shots}) == SHOT_COUNT
    assert [shot['data']['frame_in'] for shot in shots] == list(range(0, 2 * SHOT_COUNT, 2))
    assert len(exported.sequences) == SHOT_COUNT // 100
    assert exported.read("edit")['totalFrames'] == 2 * SHOT_COUNT


@pytest.mark.slow
def test_one_frame_range_gives_one_frame_video(tmp_path):
    scene = new_scene(5, 5)
    add_color(scene, "only", 1, 1, 10, (0.1, 0.2, 0.9))

    exported = export(scene, tmp_path)

    colors = frame_colors(exported.project_dir / "edit.mp4")
    assert len(colors) == 1
    assert close_colors(colors[0], to_255((0.1, 0.2, 0.9)))
    assert exported.read("edit")['totalFrames'] == 1
    shot = exported.shots[0]
    assert (shot['data']['frame_in'], shot['data']['frame_out']) == (0, 1)
    assert png_size(tmp_path / shot['thumbnailUrl']) == (150, 100)


# Thumbnail downloads (cases tests/core/test_media.py does not cover) ------------------


# Bytes sent per write of the trickling server, and the pause between writes.
TRICKLE_BYTES = b"\x89PNG\r\n\x1a\n"
TRICKLE_PAUSE_SECONDS = 0.02


class TrickleHandler(http.server.BaseHTTPRequestHandler):
    """Serves a PNG a few bytes at a time, an empty body, and a redirect to file://.

    ``/trickle/N`` writes N small pieces and appends to ``server.finished_trickles``
    whether the client was still reading when the last one went out.
    """

    def do_GET(self):
        if self.path.startswith("/trickle/"):
            self.send_trickle(int(self.path.rsplit("/", 1)[1]))
        elif self.path == "/empty.png":
            self.send_response(200)
            self.send_header('Content-Length', "0")
            self.end_headers()
        elif self.path == "/redirect.png":
            self.send_response(302)
            self.send_header('Location', "file:///etc/hostname")
            self.send_header('Content-Length', "0")
            self.end_headers()
        else:
            self.send_error(404)

    def send_trickle(self, pieces: int):
        self.send_response(200)
        self.end_headers()
        try:
            for _ in range(pieces):
                self.wfile.write(TRICKLE_BYTES)
                self.wfile.flush()
                time.sleep(TRICKLE_PAUSE_SECONDS)
        except OSError:
            self.server.finished_trickles.append(False)
            return
        self.server.finished_trickles.append(True)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def trickle_server():
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), TrickleHandler)
    server.daemon_threads = True
    server.finished_trickles = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def server_url(server, path: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}{path}"


def test_thumbnail_trickle_fails_as_timed_out(trickle_server, tmp_path):
    url = server_url(trickle_server, "/trickle/30")

    with pytest.raises(ExportFailed, match="timed out after 0.1 s") as raised:
        media.fetch_image(url, tmp_path / "t.png", timeout=5, deadline=0.1)

    assert url in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_thumbnail_trickle_abandoned_at_deadline(trickle_server, tmp_path):
    # The whole body takes 100 x 0.02 s = 2 s to send, and the deadline is 0.2 s.
    url = server_url(trickle_server, "/trickle/100")

    with pytest.raises(ExportFailed, match="timed out"):
        media.fetch_image(url, tmp_path / "t.png", timeout=5, deadline=0.2)
    trickle_server.shutdown()

    assert trickle_server.finished_trickles == [False]


@pytest.mark.parametrize(
    ("path", "problem"),
    [("/empty.png", "not a PNG or JPEG"), ("/redirect.png", "failed")],
    ids=["empty-body", "redirect-to-file"],
)
def test_thumbnail_without_image_fails_naming_url(trickle_server, tmp_path, path, problem):
    url = server_url(trickle_server, path)

    with pytest.raises(ExportFailed, match=problem) as raised:
        media.fetch_image(url, tmp_path / "t.png")

    assert url in str(raised.value)
    assert "\n" not in str(raised.value)
    assert list(tmp_path.iterdir()) == []
