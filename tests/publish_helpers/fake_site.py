"""A small fake Watchtower project for publish tests, and checks of a destination.

Every file of one fake export carries the same tag, so a test can tell which export
a project folder contains and whether it mixes two exports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from watchtower_blender_addon.core import publish
from watchtower_blender_addon.core.staging_dirs import STAGING_PREFIX

REPOSITORY = Path(__file__).resolve().parents[2]
PUBLISH_ONE = Path(__file__).with_name("publish_one.py")
TOTAL_FRAMES = 3
SHOT_IDS = ("ab12", "cd34")
JSON_NAMES = (
    "project.json",
    "sequences.json",
    "shots.json",
    "assets.json",
    "casting.json",
    "edit.json",
)
# Generous bound on waiting for a helper process to reach a pause point; it only
# turns a hang into a failure and measures nothing.
BARRIER_TIMEOUT_SECONDS = 60.0


def project_site_path(project_id: str) -> str:
    return f"data/projects/{project_id}"


def list_preview_site_path(project_id: str) -> str:
    return f"data/projects-list/previews/{project_id[:2]}/{project_id}.png"


def shot_preview_site_path(project_id: str, shot_id: str) -> str:
    return f"{project_site_path(project_id)}/previews/{shot_id[:2]}/{shot_id}.png"


def project_documents(project_id: str, tag: str) -> dict[str, Any]:
    """Return the six JSON documents of a fake export, by file name."""
    base = project_site_path(project_id)
    shots = [
        {
            "id": shot_id,
            "name": f"sh{index}",
            "sequence_id": "sq1",
            "startFrame": index,
            "durationSeconds": 1 / 24,
            "fps": 24,
            "thumbnailUrl": shot_preview_site_path(project_id, shot_id),
            "tasks": [],
            "data": {"frame_in": index, "frame_out": index + 1},
        }
        for index, shot_id in enumerate(SHOT_IDS)
    ]
    return {
        "project.json": {"id": project_id, "name": f"{project_id} {tag}", "thumbnailUrl": None},
        "sequences.json": [{"id": "sq1", "name": "sq1"}],
        "shots.json": shots,
        "assets.json": [{"id": "as1", "name": "Rex", "thumbnailUrl": None, "tasks": []}],
        "casting.json": [{"shot_id": SHOT_IDS[0], "asset_ids": ["as1"]}],
        "edit.json": {
            "totalFrames": TOTAL_FRAMES,
            "frameOffset": 0,
            "sourceName": f"{base}/edit.mp4",
            "sourceType": "video/mp4",
        },
    }


def list_item(project_id: str, tag: str) -> dict[str, Any]:
    return {
        "id": project_id,
        "name": f"{project_id} {tag}",
        "thumbnailUrl": list_preview_site_path(project_id),
    }


def write_media(stage: publish.ProjectStaging, tag: str, video_bytes: bytes = b"") -> None:
    """Write the video and the previews of a fake export into ``stage``."""
    project_id = stage.project_id
    (stage.project_dir / "edit.mp4").write_bytes(f"video {tag}\n".encode() + video_bytes)
    for shot_id in SHOT_IDS:
        path = stage.root / shot_preview_site_path(project_id, shot_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"shot preview {tag}".encode())
    stage.list_preview_path.write_bytes(f"list preview {tag}".encode())


def write_documents(stage: publish.ProjectStaging, tag: str) -> None:
    for name, document in project_documents(stage.project_id, tag).items():
        (stage.project_dir / name).write_text(json.dumps(document), encoding="utf-8")


def count_fake_frames(path: Path) -> int:
    """Stand in for decoding: a fake video that exists has TOTAL_FRAMES frames."""
    path.read_bytes()
    return TOTAL_FRAMES


def publish_fake_project(dest: Path, project_id: str, tag: str, **staging_options: Any) -> None:
    """Run one complete fake export of ``project_id`` into ``dest``."""
    with publish.ProjectStaging(dest, project_id, **staging_options) as stage:
        write_media(stage, tag)
        write_documents(stage, tag)
        stage.commit(
            list_item(project_id, tag),
            expected_total_frames=TOTAL_FRAMES,
            count_video_frames=count_fake_frames,
        )


# Checks of a destination -------------------------------------------------------------


def published_tag(dest: Path, project_id: str) -> str:
    """Return the tag of the export in ``dest``'s project folder, checking that it is whole.

    Raises AssertionError if a file is missing or files of two exports are mixed.
    """
    folder = dest / project_site_path(project_id)
    project = json.loads((folder / "project.json").read_text(encoding="utf-8"))
    tag = project["name"].removeprefix(f"{project_id} ")
    expected = project_documents(project_id, tag)
    for name in JSON_NAMES:
        document = json.loads((folder / name).read_text(encoding="utf-8"))
        assert document == expected[name], f"{folder / name} is not from export {tag!r}"
    assert (folder / "edit.mp4").read_bytes().startswith(f"video {tag}\n".encode())
    for shot_id in SHOT_IDS:
        preview = dest / shot_preview_site_path(project_id, shot_id)
        assert preview.read_bytes() == f"shot preview {tag}".encode(), preview
    return tag


def list_preview_tag(dest: Path, project_id: str) -> str:
    content = (dest / list_preview_site_path(project_id)).read_text(encoding="utf-8")
    return content.removeprefix("list preview ")


def index_entries(dest: Path) -> dict[str, dict[str, Any]]:
    index = json.loads((dest / "data/projects-list/index.json").read_text(encoding="utf-8"))
    return {entry["id"]: entry for entry in index["projects"]}


def staging_leftovers(dest: Path) -> list[Path]:
    projects = dest / "data" / "projects"
    if not projects.is_dir():
        return []
    return sorted(path for path in projects.iterdir() if path.name.startswith(STAGING_PREFIX))


# Helper processes --------------------------------------------------------------------


def helper_command(dest: Path, project_id: str, tag: str, *options: str) -> list[str]:
    return [sys.executable, str(PUBLISH_ONE), str(dest), project_id, tag, *options]


def helper_environment() -> dict[str, str]:
    environment = dict(os.environ)
    paths = [str(REPOSITORY), environment.get("PYTHONPATH", "")]
    environment["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    return environment


def start_helper(dest: Path, project_id: str, tag: str, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        helper_command(dest, project_id, tag, *options),
        env=helper_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_helper(
    dest: Path, project_id: str, tag: str, *options: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        helper_command(dest, project_id, tag, *options),
        check=False,
        env=helper_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def wait_for_pause(process: subprocess.Popen[str], barrier: Path, point: str) -> None:
    """Wait until the helper process has reached pause point ``point``."""
    reached = barrier / f"{point}.reached"
    deadline = time.monotonic() + BARRIER_TIMEOUT_SECONDS
    while not reached.exists():
        if process.poll() is not None:
            _, errors = process.communicate()
            raise AssertionError(f"helper ended before {point!r}: {errors}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"helper did not reach {point!r}")
        time.sleep(0.01)


def release_pause(barrier: Path, point: str) -> None:
    (barrier / f"{point}.release").touch()


def stop_helper(process: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    """Send ``signum`` to the helper and collect it; return its exit status and stderr."""
    process.send_signal(signum)
    _, errors = process.communicate(timeout=120)
    return process.returncode, errors


def signal_exit_statuses(signum: int) -> set[int]:
    # SystemExit(128 + n) from the SIGTERM handler; Python re-raises SIGINT after an
    # unhandled KeyboardInterrupt, and SIGKILL ends the process directly.
    return {128 + signum, -signum}
