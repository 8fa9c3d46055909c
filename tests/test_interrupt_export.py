"""Real exports interrupted by signals while rendering, writing previews or publishing.

Each test copies a destination holding two exported projects and starts
``python -m watchtower_blender_addon export`` on a long edit of one of them. The
publish tests run the same command line paused at a publish step instead
(tests/robustness_fixtures/export_paused.py). The test signals the export at a known
point and checks what is left in the destination.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.blender, pytest.mark.slow]

REPOSITORY = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "robustness_fixtures"
PROJECT_ID = "film"
OTHER_ID = "other-film"
LONG_FRAMES = 1200
LONG_SHOTS = 80

# An interrupted export must end within this bound. It is no timing requirement,
# because it only turns an export that ignores the signal into a failure.
END_TIMEOUT_SECONDS = 30
# Generous bound on reaching a progress line or a pause point on a loaded machine.
START_TIMEOUT_SECONDS = 300

# The destination lock file stores the process id of the last export that held it.
LOCK_FILE = "data/.watchtower.lock"
STAGING_PATTERN = re.compile(r"^data/projects/\.staging-[^/]+/")

RENDER_PROGRESS = re.compile(r"^watchtower: Rendering edit\.mp4 \(\d+ frames\) (\d+)/(\d+)$")
PREVIEW_PROGRESS = re.compile(r"^watchtower: Writing (?:\d+ )?previews (\d+)/(\d+)$")
INTERRUPTED_MESSAGE = "error: export interrupted; the previous export is unchanged"

SIGNALS = [signal.SIGINT, signal.SIGTERM]
SIGNAL_IDS = ["SIGINT", "SIGTERM"]


def subprocess_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment['PYTHONPATH'] = os.pathsep.join(
        filter(None, [str(REPOSITORY), environment.get('PYTHONPATH')])
    )
    return environment


def export_command(blend: Path, site: Path, *options: str) -> list[str]:
    command = [sys.executable, "-m", "watchtower_blender_addon", "export", str(blend)]
    return command + ["-d", str(site), "--project-id", PROJECT_ID, *options]


def run_to_end(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=subprocess_environment(),
        timeout=START_TIMEOUT_SECONDS,
        check=False,
    )


class RunningExport:
    """An export subprocess whose stderr lines are read as they come."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=subprocess_environment(),
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_progress(self, pattern: re.Pattern[str]) -> str:
        """Return the first line matching ``pattern`` whose done count is below its total."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            match = pattern.match(line)
            if match and int(match.group(1)) < int(match.group(2)):
                return line
        self.process.kill()
        pytest.fail(f"no line matching {pattern.pattern!r} before the end: {self.lines}")

    def stop(self, signum: int) -> tuple[int, list[str]]:
        """Send ``signum``, wait for the end and return the exit status and stderr lines."""
        self.process.send_signal(signum)
        return self.wait()

    def wait(self) -> tuple[int, list[str]]:
        try:
            status = self.process.wait(timeout=END_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"the export did not end within {END_TIMEOUT_SECONDS} s: {self.lines}")
        self._reader.join()
        while (line := self._queue.get()) is not None:
            self.lines.append(line)
        return status, self.lines


def tree_contents(folder: Path) -> dict[str, bytes]:
    """Return every file under ``folder`` but the lock file, by relative path."""
    contents = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != LOCK_FILE:
            contents[relative] = path.read_bytes()
    return contents


def without_staging(contents: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in contents.items() if not STAGING_PATTERN.match(path)}


def staging_leftovers(site: Path) -> list[Path]:
    return sorted((site / "data" / "projects").glob(".staging-*"))


def index_ids(site: Path) -> list[str]:
    index = json.loads((site / "data/projects-list/index.json").read_text(encoding='utf-8'))
    return [project['id'] for project in index['projects']]


def read_project(site: Path, name: str):
    path = site / "data" / "projects" / PROJECT_ID / f"{name}.json"
    return json.loads(path.read_text(encoding='utf-8'))


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope='module')
def edits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder holding short.blend and long.blend (see build_edits.py)."""
    folder = tmp_path_factory.mktemp("edits")
    completed = run_to_end([sys.executable, str(FIXTURES / "build_edits.py"), str(folder)])
    assert completed.returncode == 0, completed.stderr
    return folder


@pytest.fixture(scope='module')
def published_site(edits: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a destination with the short edit exported as OTHER_ID and PROJECT_ID."""
    site = tmp_path_factory.mktemp("published") / "site"
    for project_id in (OTHER_ID, PROJECT_ID):
        command = export_command(edits / "short.blend", site, "--quiet")
        command[command.index(PROJECT_ID)] = project_id
        completed = run_to_end(command)
        assert completed.returncode == 0, completed.stderr
    return site


@pytest.fixture
def site(published_site: Path, tmp_path: Path) -> Path:
    destination = tmp_path / "site"
    shutil.copytree(published_site, destination)
    return destination


@pytest.fixture
def long_blend(edits: Path):
    """Return long.blend, and check afterwards that no export wrote it."""
    blend = edits / "long.blend"
    digest = file_digest(blend)
    yield blend
    assert file_digest(blend) == digest
    assert not list(edits.glob("*.blend1"))


def assert_previous_export_kept(site: Path, before: dict[str, bytes]) -> None:
    assert tree_contents(site) == before
    assert index_ids(site) == [OTHER_ID, PROJECT_ID]
    assert staging_leftovers(site) == []


def assert_interrupted_status(status: int, lines: list[str], signum: int) -> None:
    assert status == 128 + signum, lines
    # SIGTERM outside the render ends the export without a message, which
    # test_sigterm_in_previews_prints_error_line shows.
    if signum == signal.SIGINT:
        assert lines[-1] == INTERRUPTED_MESSAGE, lines


# Interrupted while rendering edit.mp4 ------------------------------------------------


@pytest.mark.parametrize("signum", SIGNALS, ids=SIGNAL_IDS)
def test_signal_in_render_keeps_previous_export(site, long_blend, signum):
    before = tree_contents(site)
    export = RunningExport(export_command(long_blend, site))
    export.wait_for_progress(RENDER_PROGRESS)

    status, lines = export.stop(signum)

    assert_interrupted_status(status, lines, signum)
    assert lines[-1] == INTERRUPTED_MESSAGE, lines
    assert not any("previews" in line for line in lines), lines
    assert_previous_export_kept(site, before)


def test_sigkill_in_render_cleaned_by_next_export(site, long_blend, edits):
    before = tree_contents(site)
    export = RunningExport(export_command(long_blend, site))
    export.wait_for_progress(RENDER_PROGRESS)

    status, _ = export.stop(signal.SIGKILL)

    assert status == -signal.SIGKILL
    assert len(staging_leftovers(site)) == 1
    assert without_staging(tree_contents(site)) == before
    assert_next_export_cleans_up(site, edits, before)


def assert_next_export_cleans_up(site: Path, edits: Path, before: dict[str, bytes]) -> None:
    """Export a third project and check that the killed export's staging folder is gone."""
    command = export_command(edits / "short.blend", site, "--no-video", "--no-previews")
    command[command.index(PROJECT_ID)] = "next-film"
    completed = run_to_end(command)

    assert completed.returncode == 0, completed.stderr
    assert staging_leftovers(site) == []
    assert index_ids(site) == [OTHER_ID, PROJECT_ID, "next-film"]
    after = tree_contents(site)
    for path, content in before.items():
        if path != "data/projects-list/index.json":
            assert after[path] == content, path


# Interrupted while writing previews --------------------------------------------------


@pytest.mark.parametrize("signum", SIGNALS, ids=SIGNAL_IDS)
def test_signal_in_previews_keeps_previous_export(site, long_blend, signum):
    before = tree_contents(site)
    export = RunningExport(export_command(long_blend, site, "--no-video"))
    export.wait_for_progress(PREVIEW_PROGRESS)

    status, lines = export.stop(signum)

    assert_interrupted_status(status, lines, signum)
    assert "watchtower: Publishing" not in lines
    assert_previous_export_kept(site, before)


def test_sigterm_in_previews_prints_error_line(site, long_blend):
    export = RunningExport(export_command(long_blend, site, "--no-video"))
    export.wait_for_progress(PREVIEW_PROGRESS)

    status, lines = export.stop(signal.SIGTERM)

    assert status == 128 + signal.SIGTERM
    assert lines[-1] == INTERRUPTED_MESSAGE, lines


def test_sigkill_in_previews_cleaned_by_next_export(site, long_blend, edits):
    before = tree_contents(site)
    export = RunningExport(export_command(long_blend, site, "--no-video"))
    export.wait_for_progress(PREVIEW_PROGRESS)

    status, _ = export.stop(signal.SIGKILL)

    assert status == -signal.SIGKILL
    assert len(staging_leftovers(site)) == 1
    assert without_staging(tree_contents(site)) == before
    assert_next_export_cleans_up(site, edits, before)


# Interrupted while publishing --------------------------------------------------------


def start_paused(site: Path, blend: Path, barrier: Path, step: str) -> RunningExport:
    """Start the export of ``blend`` without video and previews, paused at ``step``."""
    barrier.mkdir()
    command = [sys.executable, str(FIXTURES / "export_paused.py"), step, str(barrier)]
    command += export_command(blend, site, "--no-video", "--no-previews")[4:]
    export = RunningExport(command)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not (barrier / f"{step}.reached").exists():
        if export.process.poll() is not None or time.monotonic() > deadline:
            status, lines = export.wait()
            pytest.fail(f"the export ended with status {status} before {step}: {lines}")
        time.sleep(0.05)
    return export


def release(barrier: Path, step: str) -> None:
    (barrier / f"{step}.release").touch()


@pytest.mark.parametrize("signum", SIGNALS, ids=SIGNAL_IDS)
def test_signal_after_checks_keeps_previous_export(site, long_blend, tmp_path, signum):
    before = tree_contents(site)
    export = start_paused(site, long_blend, tmp_path / "barrier", "validated")

    status, lines = export.stop(signum)

    assert_interrupted_status(status, lines, signum)
    assert_previous_export_kept(site, before)


def project_names(site: Path) -> tuple[str, str, int]:
    """Return the project name in project.json, in index.json and the shot count."""
    index = json.loads((site / "data/projects-list/index.json").read_text(encoding='utf-8'))
    listed = {project['id']: project['name'] for project in index['projects']}
    return (
        read_project(site, "project")['name'],
        listed[PROJECT_ID],
        len(read_project(site, "shots")),
    )


@pytest.mark.parametrize("signum", SIGNALS, ids=SIGNAL_IDS)
@pytest.mark.parametrize(
    "step",
    [
        "locked",
        "swapped",
        "index-merged",
    ],
)
def test_signal_during_publish_leaves_one_whole_export(site, long_blend, tmp_path, step, signum):
    before = tree_contents(site)
    barrier = tmp_path / "barrier"
    export = start_paused(site, long_blend, barrier, step)

    export.process.send_signal(signum)
    release(barrier, step)
    status, lines = export.wait()

    assert status == 128 + signum, lines
    assert project_names(site) in {("short", "short", 3), ("long", "long", LONG_SHOTS)}
    assert index_ids(site) == [OTHER_ID, PROJECT_ID]
    assert staging_leftovers(site) == []
    after = tree_contents(site)
    for path, content in before.items():
        if path.startswith(f"data/projects/{OTHER_ID}/"):
            assert after[path] == content, path


def test_sigterm_during_publish_lets_it_finish(site, long_blend, tmp_path):
    barrier = tmp_path / "barrier"
    export = start_paused(site, long_blend, barrier, "swapped")

    export.process.send_signal(signal.SIGTERM)
    release(barrier, "swapped")
    status, lines = export.wait()

    assert status == 128 + signal.SIGTERM, lines
    assert project_names(site) == ("long", "long", LONG_SHOTS)
    assert staging_leftovers(site) == []


def test_killed_lock_holder_spares_next_export(site, long_blend, tmp_path, edits):
    before = tree_contents(site)
    export = start_paused(site, long_blend, tmp_path / "barrier", "locked")

    status, _ = export.stop(signal.SIGKILL)

    assert status == -signal.SIGKILL
    assert len(staging_leftovers(site)) == 1
    assert without_staging(tree_contents(site)) == before
    assert_next_export_cleans_up(site, edits, before)
