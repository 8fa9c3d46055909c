"""Staging folders of exports in progress, their owner files and stale-folder cleanup.

A staging folder ``DEST/data/projects/.staging-<random>/`` contains ``owner.json`` with
the process id, host name and process start time of the export that created it. An
export that ends in any way but SIGKILL or a power cut deletes its own staging
folder. The next export into the same destination deletes the folders left by
killed ones.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import time
from pathlib import Path
from typing import Any

from .errors import ExportFailed
from .locking import destination_lock

log = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"
OWNER_FILE_NAME = "owner.json"
PREVIOUS_PROJECT_DIR_NAME = "previous"
# The owner of a staging folder on another host cannot be checked, so the folder is
# removed once it is older than this. This is a guess at a safe bound: no export is
# expected to take two days.
FOREIGN_STAGING_MAX_AGE_SECONDS = 48 * 3600
# A staging folder without a readable owner file was left by a process killed while
# creating it. The grace period keeps a folder that another process is creating.
UNOWNED_STAGING_GRACE_SECONDS = 600


def remove_stale_staging(dest: Path) -> list[Path]:
    """Delete staging folders in ``dest`` left by exports that were killed.

    A folder is stale when its owner process on this host has ended, when its owner
    ran on another host and it is older than ``FOREIGN_STAGING_MAX_AGE_SECONDS``, or
    when it has no readable owner file and is older than
    ``UNOWNED_STAGING_GRACE_SECONDS``. If an owner was killed between moving the old
    project folder aside and moving the new one in, the old folder is put back first.
    Failures are logged, not raised, so they never stop an export.

    Returns:
        The staging folders that were deleted.
    """
    projects_dir = Path(dest) / "data" / "projects"
    try:
        entries = sorted(projects_dir.iterdir())
    except FileNotFoundError:
        return []
    except OSError as error:
        log.warning("Cannot list %s to remove stale staging folders: %s", projects_dir, error)
        return []
    removed = []
    for entry in entries:
        if _is_staging_dir(entry) and _is_stale(entry):
            log.info("Removing staging folder %s left by an interrupted export", entry)
            _put_back_previous_project(Path(dest), entry)
            if remove_staging_dir(entry):
                removed.append(entry)
    return removed


def remove_staging_dir(staging_dir: Path) -> bool:
    """Delete a staging folder, its owner file last; return whether it is gone.

    Deleting the owner file last means that a deletion interrupted by a signal leaves a
    folder that the next export still recognises as stale.
    """
    for child in _children(staging_dir):
        if child.name == OWNER_FILE_NAME:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    with contextlib.suppress(FileNotFoundError):
        (staging_dir / OWNER_FILE_NAME).unlink()
    try:
        staging_dir.rmdir()
    except FileNotFoundError:
        pass
    except OSError as error:
        log.warning("Cannot remove the staging folder %s: %s", staging_dir, error)
        return False
    return True


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except FileNotFoundError:
        return []


def _is_staging_dir(path: Path) -> bool:
    return path.name.startswith(STAGING_PREFIX) and path.is_dir() and not path.is_symlink()


def write_owner_file(staging_dir: Path, project_id: str) -> None:
    owner = {
        "pid": os.getpid(),
        "hostname": socket.gethostname(),
        "start_time": process_start_time(os.getpid()),
        "project_id": project_id,
        "created": time.time(),
    }
    (staging_dir / OWNER_FILE_NAME).write_text(json.dumps(owner), encoding="utf-8")


def _read_owner_file(staging_dir: Path) -> dict[str, Any] | None:
    try:
        owner = json.loads((staging_dir / OWNER_FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return owner if isinstance(owner, dict) else None


def _is_stale(staging_dir: Path) -> bool:
    owner = _read_owner_file(staging_dir)
    if owner is None:
        return _age_seconds(staging_dir, None) > UNOWNED_STAGING_GRACE_SECONDS
    if owner.get("hostname") != socket.gethostname():
        return _age_seconds(staging_dir, owner) > FOREIGN_STAGING_MAX_AGE_SECONDS
    pid = owner.get("pid")
    if not isinstance(pid, int):
        return True
    return not process_is_alive(pid, owner.get("start_time"))


def _age_seconds(staging_dir: Path, owner: dict[str, Any] | None) -> float:
    created = owner.get("created") if owner else None
    if not isinstance(created, (int, float)):
        try:
            created = staging_dir.stat().st_mtime
        except OSError:
            return 0.0
    return time.time() - created


def _put_back_previous_project(dest: Path, staging_dir: Path) -> None:
    previous = staging_dir / PREVIOUS_PROJECT_DIR_NAME
    owner = _read_owner_file(staging_dir) or {}
    project_id = owner.get("project_id")
    if not previous.is_dir() or not isinstance(project_id, str):
        return
    final = dest / "data" / "projects" / project_id
    try:
        with destination_lock(dest):
            if not os.path.lexists(final):
                os.rename(previous, final)
                log.warning(
                    "Put back project %s, whose export was killed while publishing", project_id
                )
    except (OSError, ExportFailed) as error:
        log.warning("Cannot put back project folder %s from %s: %s", final, previous, error)


def process_start_time(pid: int) -> int | None:
    """Return the start time of process ``pid`` in clock ticks since boot (Linux), else None.

    Together with the pid it identifies a process, even after the pid is reused.
    """
    fields = _proc_stat_fields(pid)
    return int(fields[19]) if fields else None


def process_is_alive(pid: int, start_time: Any = None) -> bool:
    """Tell whether process ``pid`` runs on this host and, if known, started at ``start_time``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # It exists but belongs to another user.
    except OSError:
        return False
    fields = _proc_stat_fields(pid)
    if fields is None:
        return True
    if fields[0] in ("Z", "X"):  # ended, waiting for its parent to collect it
        return False
    return not isinstance(start_time, int) or int(fields[19]) == start_time


def _proc_stat_fields(pid: int) -> list[str] | None:
    # Fields after the command name, which may hold spaces and brackets: the state is
    # the first of them and the start time the 20th (proc(5): fields 3 and 22).
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return fields if len(fields) > 19 else None
