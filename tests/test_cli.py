"""``python -m watchtower_blender_addon export`` run as a user runs it, in a subprocess.

Every input .blend file is built in a subprocess too (tests/cli_fixtures/build_edit.py)
and saved, so the command line always opens a file from disk. Failure tests publish a
good project into the destination first and check that the failed run left it
byte-identical.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from collections.abc import Callable

import pytest

from watchtower_blender_addon.blender import compat

pytestmark = pytest.mark.blender

REPOSITORY = Path(__file__).resolve().parent.parent
BUILD_EDIT = Path(__file__).resolve().parent / "cli_fixtures" / "build_edit.py"

# A stuck Blender must not hang the suite, and each export here takes seconds.
PROCESS_TIMEOUT_SECONDS = 600

# The destination lock file stores the PID of the last export that held it, so it
# changes with every publish and is not part of a project.
LOCK_FILE = "data/.watchtower.lock"

PROJECT_JSON_NAMES = (
    "project.json",
    "sequences.json",
    "shots.json",
    "assets.json",
    "casting.json",
    "edit.json",
)


def subprocess_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment['PYTHONPATH'] = os.pathsep.join(
        filter(None, [str(REPOSITORY), environment.get('PYTHONPATH')])
    )
    return environment


def run_export(*arguments: object) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "watchtower_blender_addon", "export"]
    return subprocess.run(
        command + [str(argument) for argument in arguments],
        capture_output=True,
        text=True,
        env=subprocess_environment(),
        timeout=PROCESS_TIMEOUT_SECONDS,
        check=False,
    )


def stderr_lines(completed: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in completed.stderr.splitlines() if line.strip()]


def tree_contents(folder: Path) -> dict[str, bytes]:
    """Return every file under ``folder`` but the lock file, by relative path."""
    contents = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != LOCK_FILE:
            contents[relative] = path.read_bytes()
    return contents


def changed_paths(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    """Return the paths added, removed or rewritten between two tree_contents()."""
    return sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
    )


def project_ids(destination: Path) -> list[str]:
    index_path = destination / "data" / "projects-list" / "index.json"
    index = json.loads(index_path.read_text(encoding='utf-8'))
    return [project['id'] for project in index['projects']]


def count_decoded_frames(video: Path) -> int:
    import av

    with av.open(str(video)) as container:
        return sum(1 for _ in container.decode(video=0))


@pytest.fixture(scope='module')
def blend_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Return a function that builds (once) and returns the .blend file of a fixture kind."""
    root = tmp_path_factory.mktemp("edits")
    built: dict[str, Path] = {}

    def build(kind: str) -> Path:
        if kind not in built:
            output = root / kind / f"{kind}.blend"
            completed = subprocess.run(
                [sys.executable, str(BUILD_EDIT), kind, str(output)],
                capture_output=True,
                text=True,
                env=subprocess_environment(),
                timeout=PROCESS_TIMEOUT_SECONDS,
                check=False,
            )
            assert completed.returncode == 0, completed.stderr
            built[kind] = output
        return built[kind]

    return build


@pytest.fixture(scope='module')
def published_site(
    blend_file: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Return a destination holding the project of good.blend, exported without video."""
    destination = tmp_path_factory.mktemp("published") / "site"
    completed = run_export(blend_file('good'), "-d", destination, "--no-video", "--quiet")
    assert completed.returncode == 0, completed.stderr
    return destination


@pytest.fixture
def site(published_site: Path, tmp_path: Path) -> Path:
    """Return a private copy of the published site for one test to export into."""
    destination = tmp_path / "site"
    shutil.copytree(published_site, destination)
    return destination


# Success


def test_export_writes_project_files_into_new_destination(blend_file, tmp_path):
    destination = tmp_path / "created" / "by" / "export"

    completed = run_export(blend_file('good'), "-d", destination, "--no-video")

    assert completed.returncode == 0, completed.stderr
    (project_id,) = project_ids(destination)
    project_dir = destination / "data" / "projects" / project_id
    for name in PROJECT_JSON_NAMES:
        assert (project_dir / name).is_file(), name
    shots = json.loads((project_dir / "shots.json").read_text(encoding='utf-8'))
    assert [shot['name'] for shot in shots] == ['sh010', 'sh020', 'sh030']
    for shot in shots:
        assert (destination / shot['thumbnailUrl']).is_file(), shot['thumbnailUrl']
    assert not (project_dir / "edit.mp4").exists()


def test_export_prints_progress_lines_on_stderr(blend_file, tmp_path):
    completed = run_export(blend_file('good'), "-d", tmp_path / "site", "--no-video")

    assert completed.returncode == 0, completed.stderr
    lines = stderr_lines(completed)
    progress = [line for line in lines if line.startswith("watchtower: ")]
    assert progress, completed.stderr
    assert any(re.search(r" 1/4$", line) for line in progress), completed.stderr
    assert not [line for line in lines if line.startswith("error:")]


def test_preview_progress_reaches_total(blend_file, tmp_path):
    completed = run_export(blend_file('good'), "-d", tmp_path / "site", "--no-video")

    assert completed.returncode == 0, completed.stderr
    progress = [line for line in stderr_lines(completed) if line.startswith("watchtower: ")]
    # Three shot previews and the project's thumbnail.
    assert any(line.endswith(" 4/4") for line in progress), completed.stderr


@pytest.mark.slow
def test_export_with_video_reports_rendered_frames(blend_file, tmp_path):
    destination = tmp_path / "site"

    completed = run_export(blend_file('good'), "-d", destination, "--video-width", 160)

    assert completed.returncode == 0, completed.stderr
    (project_id,) = project_ids(destination)
    video = destination / "data" / "projects" / project_id / "edit.mp4"
    assert count_decoded_frames(video) == 48
    progress = [line for line in stderr_lines(completed) if line.startswith("watchtower: ")]
    assert any(line.endswith(" 48/48") for line in progress), completed.stderr
    assert not [line for line in stderr_lines(completed) if line.startswith("warning:")]


@pytest.mark.slow
def test_quiet_export_prints_nothing_on_stderr(blend_file, tmp_path):
    destination = tmp_path / "site"

    completed = run_export(blend_file('good'), "-d", destination, "--video-width", 160, "--quiet")

    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    (project_id,) = project_ids(destination)
    assert (destination / "data" / "projects" / project_id / "edit.mp4").is_file()


@pytest.mark.parametrize('arguments', [["--help"], ["EDIT.blend", "--help"]])
def test_help_exits_zero_and_lists_options(arguments):
    completed = run_export(*arguments)

    assert completed.returncode == 0, completed.stderr
    assert "--destination" in completed.stdout
    assert "--scene" in completed.stdout
    assert "--video-width" in completed.stdout


# Bad input: exit status 2, one error line, the published project untouched


@pytest.mark.parametrize(
    ('kind', 'extra', 'named'),
    [
        ('no-sequencer', [], ["no-sequencer.blend", "'Edit'"]),
        ('good', ["--scene", "Empty"], ["good.blend", "'Empty'"]),
        ('sound-only', [], ["sound-only.blend", "'Edit'"]),
        ('outside-range', [], ["outside-range.blend", "'Edit'"]),
    ],
    ids=['no-sequencer', 'scene-without-sequencer', 'only-sound', 'all-outside-range'],
)
def test_scene_without_shots_fails_with_one_error_line(blend_file, site, kind, extra, named):
    if kind == 'sound-only' and not compat.has_audio():
        pytest.skip("this bpy build has no audio support, so it cannot add a sound strip")
    before = tree_contents(site)

    completed = run_export(blend_file(kind), "-d", site, "--no-video", *extra)

    assert completed.returncode == 2, completed.stderr
    lines = stderr_lines(completed)
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("error: ")
    for name in named:
        assert name in lines[0]
    assert changed_paths(before, tree_contents(site)) == []


def test_unknown_scene_error_lists_scenes(blend_file, site):
    before = tree_contents(site)

    completed = run_export(blend_file('good'), "-d", site, "--no-video", "--scene", "Nope")

    assert completed.returncode == 2, completed.stderr
    lines = stderr_lines(completed)
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("error: ")
    assert "good.blend" in lines[0]
    assert "'Nope'" in lines[0]
    assert "'Edit'" in lines[0]
    assert "'Empty'" in lines[0]
    assert changed_paths(before, tree_contents(site)) == []


def test_missing_blend_file_fails_naming_it(site, tmp_path):
    before = tree_contents(site)
    missing = tmp_path / "missing-edit.blend"

    completed = run_export(missing, "-d", site, "--no-video")

    assert completed.returncode == 2, completed.stderr
    lines = stderr_lines(completed)
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("error: ")
    assert "missing-edit.blend" in lines[0]
    assert changed_paths(before, tree_contents(site)) == []


def test_file_that_is_not_blend_fails_naming_it(site, tmp_path):
    before = tree_contents(site)
    not_blend = tmp_path / "notes.blend"
    not_blend.write_text("these are notes, not a Blender file\n", encoding='utf-8')

    completed = run_export(not_blend, "-d", site, "--no-video")

    assert completed.returncode == 2, completed.stderr
    lines = stderr_lines(completed)
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("error: ")
    assert "notes.blend" in lines[0]
    assert changed_paths(before, tree_contents(site)) == []


INVALID_OPTIONS = [
    (["--video-width", "abc"], ["--video-width", "abc"]),
    (["--sequence-source", "nope"], ["--sequence-source", "nope"]),
    (["--no-such-option"], ["--no-such-option"]),
]
INVALID_OPTION_IDS = ['width-not-a-number', 'unknown-sequence-source', 'unknown-option']


@pytest.mark.parametrize(('options', 'named'), INVALID_OPTIONS, ids=INVALID_OPTION_IDS)
def test_invalid_option_exits_2_and_keeps_site(blend_file, site, options, named):
    before = tree_contents(site)

    completed = run_export(blend_file('good'), "-d", site, "--no-video", *options)

    assert completed.returncode == 2, completed.stderr
    for name in named:
        assert name in completed.stderr
    assert changed_paths(before, tree_contents(site)) == []


@pytest.mark.parametrize(('options', 'named'), INVALID_OPTIONS, ids=INVALID_OPTION_IDS)
def test_invalid_option_prints_one_error_line(blend_file, site, options, named):
    completed = run_export(blend_file('good'), "-d", site, "--no-video", *options)

    lines = stderr_lines(completed)
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("error: ")


# Destination that cannot be written


def test_destination_below_file_fails_naming_it(blend_file, tmp_path):
    regular_file = tmp_path / "notes.txt"
    regular_file.write_bytes(b"not a folder\n")
    destination = regular_file / "site"

    completed = run_export(blend_file('good'), "-d", destination, "--no-video")

    assert completed.returncode == 1, completed.stderr
    lines = stderr_lines(completed)
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("error: ")
    assert str(destination) in lines[0]
    assert regular_file.read_bytes() == b"not a folder\n"


def test_file_destination_exits_2(blend_file, tmp_path):
    regular_file = tmp_path / "notes.txt"
    regular_file.write_bytes(b"not a folder\n")

    completed = run_export(blend_file('good'), "-d", regular_file, "--no-video")

    assert completed.returncode == 2, completed.stderr
    assert str(regular_file) in completed.stderr
    assert regular_file.read_bytes() == b"not a folder\n"


def test_file_destination_prints_one_error_line(blend_file, tmp_path):
    regular_file = tmp_path / "notes.txt"
    regular_file.write_bytes(b"not a folder\n")

    completed = run_export(blend_file('good'), "-d", regular_file, "--no-video")

    lines = stderr_lines(completed)
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("error: ")


# Missing media


def test_missing_movie_warns_naming_strip(blend_file, site):
    before = tree_contents(site)

    completed = run_export(blend_file('missing-movie'), "-d", site, "--no-video")

    assert completed.returncode == 0, completed.stderr
    warnings = [line for line in stderr_lines(completed) if line.startswith("warning: ")]
    movie_warnings = [line for line in warnings if "'plate_sh020'" in line]
    assert len(movie_warnings) == 1, completed.stderr
    assert "plate.mp4" in movie_warnings[0]
    # Adding the project rewrites the list, so the list is compared entry by entry.
    index = "data/projects-list/index.json"
    after = tree_contents(site)
    assert changed_paths(before, {path: after.get(path) for path in before}) == [index]
    old_entries = json.loads(before[index])['projects']
    new_entries = json.loads(after[index])['projects']
    old_ids = {entry['id'] for entry in old_entries}
    assert [entry for entry in new_entries if entry['id'] in old_ids] == old_entries
    assert len(new_entries) == len(old_entries) + 1


def test_missing_movie_with_strict_fails_naming_strip(blend_file, site):
    before = tree_contents(site)

    completed = run_export(blend_file('missing-movie'), "-d", site, "--no-video", "--strict")

    assert completed.returncode == 2, completed.stderr
    lines = stderr_lines(completed)
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("error: ")
    assert "'plate_sh020'" in lines[0]
    assert "missing-movie.blend" in lines[0]
    assert changed_paths(before, tree_contents(site)) == []


@pytest.mark.parametrize(
    ('options', 'named'),
    [(["--video-width", "95"], "at least 96 pixels"), (["-d", ""], "destination is empty")],
    ids=['width-below-minimum', 'empty-destination'],
)
def test_option_rejected_before_any_work(blend_file, tmp_path, options, named):
    arguments = [blend_file('good'), *options]
    if "-d" not in options:
        arguments += ["-d", tmp_path / "site"]
    completed = run_export(*arguments)
    assert completed.returncode == 2, completed.stderr
    lines = stderr_lines(completed)
    assert len(lines) == 1, completed.stderr
    assert named in lines[0]
    assert not (tmp_path / "site").exists()
    assert not (Path.cwd() / "data").exists()


def test_options_may_come_before_blend_file(blend_file, tmp_path):
    destination = tmp_path / "site"
    completed = run_export("-q", "-d", destination, "--no-previews", blend_file('good'))
    assert completed.returncode == 0, completed.stderr
    assert len(project_ids(destination)) == 1


def test_missing_blend_argument_is_one_error_line():
    completed = subprocess.run(
        [sys.executable, "-m", "watchtower_blender_addon", "export", "-d", "somewhere"],
        capture_output=True, text=True, timeout=PROCESS_TIMEOUT_SECONDS, check=False,
    )
    assert completed.returncode == 2
    lines = stderr_lines(completed)
    assert len(lines) == 1, completed.stderr
    assert "EDIT.blend" in lines[0]


def test_folder_given_as_blend_file_is_named(tmp_path):
    completed = run_export(tmp_path, "-d", tmp_path / "site")
    assert completed.returncode == 2
    assert stderr_lines(completed) == [f"error: {tmp_path}: is a folder, not a .blend file"]


@pytest.mark.parametrize(
    ('arguments', 'status', 'stream'),
    [(["--help"], 0, 'stdout'), (["bogus"], 2, 'stderr'), ([], 2, 'stderr')],
    ids=['help', 'unknown-command', 'no-command'],
)
def test_top_level_usage(arguments, status, stream):
    completed = subprocess.run(
        [sys.executable, "-m", "watchtower_blender_addon", *arguments],
        capture_output=True, text=True, timeout=PROCESS_TIMEOUT_SECONDS, check=False,
    )
    assert completed.returncode == status
    assert "usage: python -m watchtower_blender_addon export" in getattr(completed, stream)
    if status:
        assert completed.stderr.startswith("error: ")
