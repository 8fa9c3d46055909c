"""The destination lock, and parallel exports of different projects into one destination."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from tests.publish_helpers.fake_site import (
    index_entries,
    publish_fake_project,
    published_tag,
    release_pause,
    staging_leftovers,
    start_helper,
    wait_for_pause,
)
from watchtower_blender_addon.core import locking
from watchtower_blender_addon.core.errors import ExportFailed

PARALLEL_EXPORTS = 8


def test_lock_file_is_created_under_data(tmp_path):
    with locking.destination_lock(tmp_path / "site") as lock:
        assert lock.held
        assert lock.path == tmp_path / "site" / "data" / ".watchtower.lock"
        assert lock.path.read_text() == f"{os.getpid()}\n"
    assert not lock.held
    assert lock.path.exists()


def test_held_lock_makes_second_wait_time_out(tmp_path):
    with locking.destination_lock(tmp_path) as lock, pytest.raises(ExportFailed) as raised:
        locking.acquire_destination_lock(tmp_path, timeout_seconds=0.05)

    message = str(raised.value)
    assert str(lock.path) in message
    assert f"held by process {os.getpid()}" in message
    assert "Timed out after 0.05 s" in message


def test_released_lock_can_be_taken_again(tmp_path):
    with locking.destination_lock(tmp_path) as lock:
        lock.release()
        lock.release()
        second = locking.acquire_destination_lock(tmp_path, timeout_seconds=0)
        second.release()


def test_unwritable_destination_fails_naming_lock_file(tmp_path):
    blocker = tmp_path / "site"
    blocker.write_text("a file where the destination should be")

    with pytest.raises(
        ExportFailed, match="Cannot create the lock file .*site/data/.watchtower.lock"
    ):
        locking.acquire_destination_lock(blocker, timeout_seconds=0)


@pytest.mark.slow
def test_killed_holder_releases_lock(tmp_path):
    site = tmp_path / "site"
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    process = start_helper(site, "p1", "one", "--pause-at", "locked", "--barrier", str(barrier))
    wait_for_pause(process, barrier, "locked")

    with pytest.raises(ExportFailed, match="Timed out"):
        locking.acquire_destination_lock(site, timeout_seconds=0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=120)

    lock = locking.acquire_destination_lock(site, timeout_seconds=0)
    lock.release()


@pytest.mark.slow
def test_waiting_export_publishes_after_holder_finishes(tmp_path):
    site = tmp_path / "site"
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    holder = start_helper(site, "p1", "one", "--pause-at", "locked", "--barrier", str(barrier))
    wait_for_pause(holder, barrier, "locked")
    waiter = start_helper(site, "p2", "two", "--pause-at", "validated", "--barrier", str(barrier))
    wait_for_pause(waiter, barrier, "validated")

    release_pause(barrier, "validated")
    release_pause(barrier, "locked")

    assert holder.wait(timeout=120) == 0
    assert waiter.wait(timeout=120) == 0
    assert sorted(index_entries(site)) == ["p1", "p2"]


@pytest.mark.slow
def test_parallel_exports_are_all_listed(tmp_path):
    site = tmp_path / "site"
    publish_fake_project(site, "existing", "kept")
    start_file = tmp_path / "start"
    project_ids = [f"parallel{number}" for number in range(PARALLEL_EXPORTS)]
    # Every helper waits for the start file and sleeps between reading and writing the
    # index, so without the lock their read-merge-write steps would overlap.
    processes = [
        start_helper(
            site, project_id, "v1", "--start-file", str(start_file), "--merge-delay", "0.1"
        )
        for project_id in project_ids
    ]

    start_file.touch()
    results = [process.communicate(timeout=300) for process in processes]

    for process, (_, errors) in zip(processes, results):
        assert process.returncode == 0, errors
    assert sorted(index_entries(site)) == sorted(["existing", *project_ids])
    for project_id in project_ids:
        assert published_tag(site, project_id) == "v1"
    assert published_tag(site, "existing") == "kept"
    assert staging_leftovers(site) == []


def test_flock_is_used_outside_windows():
    # The msvcrt fallback is chosen only where fcntl is missing.
    assert (locking.fcntl is None) == (sys.platform == "win32")
