"""Serve a Watchtower site locally, open it in Debian's Chromium and list what looks wrong.

``check_site_in_browser(site_dir, expected)`` is the one-call form. ``observe_site_in_browser``
and ``find_problems`` are its two halves, so that a test module can run the browser once and
assert each kind of problem in its own test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from watchtower_blender_addon.core.serve import make_server, site_root

from .expectations import ExpectedSite

REPO_ROOT = Path(__file__).resolve().parents[2]
OBSERVER_SCRIPT = Path(__file__).with_name('observe_site.mjs')
CHROMIUM = Path('/usr/bin/chromium')
ARTIFACTS_ROOT = REPO_ROOT / 'test-artifacts' / 'browser'
# Guards against a hung browser only; the observer's own waits are far shorter.
OBSERVER_TIMEOUT_SECONDS = 600

# The client reports failed fetches with console.log, so log lines are scanned for errors too.
ERROR_TEXT = re.compile(r'error|fail|exception|cannot|not found|undefined|invalid', re.IGNORECASE)
# WebGL reports a wrongly sized texture (a thumbnail that is not drawn) as a warning. Its
# performance notes ("GPU stall due to ReadPixels") are warnings too, and are harmless.
WEBGL_ERROR_TEXT = re.compile(r'GL_INVALID|WebGL: INVALID|CONTEXT_LOST|GL ERROR')

PROBLEM_KINDS = ('network', 'console', 'project_list', 'shots', 'team', 'video', 'shot_starts')


def require_browser() -> None:
    """Fail the calling test with setup instructions when Chromium or playwright-core is missing."""
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if shutil.which('node') is None:
        missing.append("node (apt-get install nodejs)")
    if not (REPO_ROOT / 'node_modules' / 'playwright-core').is_dir():
        missing.append(f"playwright-core (run npm ci in {REPO_ROOT})")
    if missing:
        pytest.fail(
            "browser test needs " + ", ".join(missing) + "; deselect it with -m 'not browser'"
        )


def check_site_in_browser(
    site_dir: Path, expected: ExpectedSite, artifacts_dir: Path | None = None
) -> list[str]:
    """Return every problem found when viewing ``site_dir`` (a bundled export) in Chromium."""
    observation = observe_site_in_browser(site_dir, expected, artifacts_dir)
    problems = find_problems(observation, expected)
    return [f"{kind}: {problem}" for kind in PROBLEM_KINDS for problem in problems[kind]]


def observe_site_in_browser(
    site_dir: Path, expected: ExpectedSite, artifacts_dir: Path | None = None
) -> dict[str, Any]:
    """Serve ``site_dir`` on 127.0.0.1, run the observer script and return its JSON report.

    Screenshots go to ``artifacts_dir`` (default ``test-artifacts/browser/<project id>``).
    """
    artifacts_dir = artifacts_dir or ARTIFACTS_ROOT / expected.project_id
    with _serve(site_dir) as base_url, tempfile.TemporaryDirectory() as scratch:
        config_path = Path(scratch) / 'config.json'
        config = {
            'baseUrl': base_url,
            'projectId': expected.project_id,
            'projectName': expected.project_name,
            'seeks': expected.seeks(),
            'artifactsDir': str(artifacts_dir),
        }
        config_path.write_text(json.dumps(config), encoding='utf-8')
        completed = subprocess.run(
            ['node', str(OBSERVER_SCRIPT), str(config_path)],
            cwd=REPO_ROOT,
            check=False,
            capture_output=True,
            text=True,
            timeout=OBSERVER_TIMEOUT_SECONDS,
        )
    if completed.returncode != 0:
        raise RuntimeError(f"observe_site.mjs failed ({completed.returncode}):\n{completed.stderr}")
    return json.loads(completed.stdout)


@contextmanager
def _serve(site_dir: Path) -> Iterator[str]:
    server = make_server(site_root(site_dir), '127.0.0.1', 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f'http://{host}:{port}/'
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def find_problems(observation: dict[str, Any], expected: ExpectedSite) -> dict[str, list[str]]:
    """Compare an observation with ``expected``; return the problems found, by kind."""
    page = observation.get('projectPage')
    return {
        'network': _network_problems(observation),
        'console': _console_problems(observation),
        'project_list': _project_list_problems(observation.get('listPage') or [], expected),
        'shots': _shot_problems(page, observation['loadedImages'], expected),
        'team': _team_problems(page, expected),
        'video': _video_problems(
            page, _seeks_except_client_shot_starts(observation, expected), expected
        ),
        'shot_starts': _video_problems(
            page, _client_shot_start_seeks(observation, expected), expected
        ),
    }


def _client_shot_start_seeks(
    observation: dict[str, Any], expected: ExpectedSite
) -> list[dict[str, Any]]:
    starts = {shot.start_frame for shot in expected.shots}
    return [s for s in observation['seeks'] if s['method'] == 'client' and s['frame'] in starts]


def _seeks_except_client_shot_starts(
    observation: dict[str, Any], expected: ExpectedSite
) -> list[dict[str, Any]]:
    starts = _client_shot_start_seeks(observation, expected)
    return [s for s in observation['seeks'] if s not in starts]


def _network_problems(observation: dict[str, Any]) -> list[str]:
    problems = [f"request to another host blocked: {url}" for url in observation['blockedRequests']]
    for failure in observation['failedRequests']:
        # Chromium drops a video download on purpose when it switches to range requests.
        if failure['type'] == 'media' and failure['reason'] == 'net::ERR_ABORTED':
            continue
        problems.append(f"request failed ({failure['reason']}): {failure['url']}")
    for response in observation['httpErrors']:
        problems.append(f"HTTP {response['status']}: {response['url']}")
    return problems


def _console_problems(observation: dict[str, Any]) -> list[str]:
    problems = [f"page error: {error}" for error in observation['pageErrors']]
    problems += [f"timed out waiting for {what}" for what in observation['waitTimeouts']]
    for message in observation['console']:
        kind, text = message['type'], message['text']
        if message['errors']:
            problems += [f"console.{kind} of an error: {error}" for error in message['errors']]
        elif (
            kind == 'error'
            or (kind == 'warning' and WEBGL_ERROR_TEXT.search(text))
            or (kind in ('log', 'info', 'debug') and ERROR_TEXT.search(text))
        ):
            problems.append(f"console.{kind}: {text}")
    return problems


def _project_list_problems(items: list[dict[str, Any]], expected: ExpectedSite) -> list[str]:
    matches = [item for item in items if item['name'] == expected.project_name]
    if not matches:
        names = [item['name'] for item in items]
        return [f"project {expected.project_name!r} not in the list page, which shows {names}"]

    item = matches[0]
    problems = []
    if item['href'] != f"#/pro/{expected.project_id}":
        problems.append(f"project link is {item['href']!r}, expected #/pro/{expected.project_id}")
    if item['thumbnailWidth'] == 0:
        problems.append(f"project thumbnail {item['thumbnailSrc']!r} did not load")
    return problems


def _shot_problems(
    page: dict[str, Any] | None, loaded_images: list[str], expected: ExpectedSite
) -> list[str]:
    if not page:
        return ["the project page did not load"]
    problems = []
    shown = [(s.get('id'), s.get('startFrame')) for s in page['shots']]
    wanted = [(s.id, s.start_frame) for s in expected.shots]
    if shown != wanted:
        problems.append(f"client shots (id, startFrame) are {shown}, expected {wanted}")
    sequence_ids = [s.get('id') for s in page['sequences']]
    if sequence_ids != expected.sequence_ids:
        problems.append(f"client sequences are {sequence_ids}, expected {expected.sequence_ids}")

    by_id = {s.get('id'): s for s in page['shots']}
    for shot in expected.shots:
        client_shot = by_id.get(shot.id)
        if client_shot is not None:
            problems += _one_shot_problems(
                client_shot, shot.frame_count, sequence_ids, loaded_images
            )
    return problems


def _one_shot_problems(
    shot: dict[str, Any], frame_count: int, sequence_ids: list[str], loaded_images: list[str]
) -> list[str]:
    problems = []
    duration, fps = shot.get('durationSeconds'), shot.get('fps')
    if not isinstance(duration, (int, float)) or not isinstance(fps, (int, float)):
        problems.append(f"shot {shot['id']} has durationSeconds {duration!r} and fps {fps!r}")
    elif abs(duration * fps - frame_count) > 1e-6:
        problems.append(f"shot {shot['id']} spans {duration * fps} frames, not {frame_count}")
    if shot.get('sequence_id') not in sequence_ids:
        problems.append(f"shot {shot['id']} has unknown sequence_id {shot.get('sequence_id')!r}")
    if shot.get('thumbnailUrl') not in loaded_images:
        problems.append(f"thumbnail of shot {shot['id']} not loaded: {shot.get('thumbnailUrl')}")
    return problems


def _team_problems(page: dict[str, Any] | None, expected: ExpectedSite) -> list[str]:
    if not page:
        return ["the project page did not load"]
    # A missing field is left out of the observation's JSON, so .get() gives None for it.
    names = [member.get('name') for member in page['team']]
    if names != expected.team_names:
        return [f"team names in the client are {names}, expected {expected.team_names}"]
    return []


def _video_problems(
    page: dict[str, Any] | None, seeks: list[dict[str, Any]], expected: ExpectedSite
) -> list[str]:
    if not page or not page['video']:
        return ["no video player on the project page"]
    video = page['video']
    if video['error'] or video['readyState'] < 2:
        return [f"edit video did not load: {video}"]

    problems = []
    for seek in seeks:
        shot = expected.shot_at(seek['frame'])
        if shot is None or shot.color is None:
            continue
        where = f"frame {seek['frame']} ({seek['method']} seek)"
        if not seek.get('settled'):
            problems.append(f"{where}: the player did not finish seeking ({seek})")
            continue
        difference = max(abs(a - b) for a, b in zip(seek['rgb'], shot.color))
        if difference > expected.color_tolerance:
            problems.append(
                f"{where} shows RGB {seek['rgb']}, expected {list(shot.color)} "
                f"of shot {shot.id} (video time {seek['currentTime']})"
            )
        if seek['method'] == 'client' and seek['clientShotId'] != shot.id:
            problems.append(
                f"{where}: client's current shot is {seek['clientShotId']}, not {shot.id}"
            )
    return problems
