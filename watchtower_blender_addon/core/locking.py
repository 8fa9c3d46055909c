"""Exclusive lock on a destination folder, held while an export publishes into it.

Exports of different projects into the same destination may run at the same time.
They stage their files independently and take this lock only for the short publish
step (project folder swap, project-list preview, ``projects-list/index.json`` merge),
so every export's entry survives in the index.

The lock is ``fcntl.flock`` on ``DEST/data/.watchtower.lock`` (Linux, macOS). The
kernel releases it when the process dies, even on SIGKILL, so a killed export never
leaves the destination locked. The lock file is never deleted because deleting a
locked file lets a second process lock a new file of the same name.

NOTE: on Windows the lock falls back to ``msvcrt.locking`` on the first byte of the
same file. That path has not been run by the tests, which run on Linux only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import ExportFailed

log = logging.getLogger(__name__)

LOCK_FILE_NAME = ".watchtower.lock"
DEFAULT_LOCK_TIMEOUT_SECONDS = 300.0
_FIRST_POLL_SECONDS = 0.01
_MAX_POLL_SECONDS = 0.25

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def lock_path(dest: Path) -> Path:
    """Return the path of the lock file of destination ``dest``."""
    return Path(dest) / "data" / LOCK_FILE_NAME


class DestinationLock:
    """A held destination lock; ``release()`` may be called early and more than once."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Unlock and close the lock file, unless that was done already."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def destination_lock(
    dest: Path, timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS
) -> Iterator[DestinationLock]:
    """Hold the exclusive lock of ``dest`` while the block runs.

    Waiting for the lock can be interrupted (KeyboardInterrupt, SystemExit from a
    signal handler). Creates ``DEST/data`` if it is missing.

    Raises:
        ExportFailed: the lock file cannot be created, or another process held the
            lock for more than ``timeout_seconds``.
    """
    lock = acquire_destination_lock(dest, timeout_seconds)
    try:
        yield lock
    finally:
        lock.release()


def acquire_destination_lock(dest: Path, timeout_seconds: float) -> DestinationLock:
    """Take the exclusive lock of ``dest``, waiting up to ``timeout_seconds``."""
    path = lock_path(dest)
    fd = _open_lock_file(path)
    try:
        _wait_for_lock(fd, path, timeout_seconds)
    except BaseException:
        os.close(fd)
        raise
    _record_holder(fd)
    log.debug("Locked %s", path)
    return DestinationLock(path, fd)


def _open_lock_file(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise ExportFailed(
            f"Cannot create the lock file {path}: {error.strerror}. "
            "Check that the destination exists and is writable."
        ) from error


def _wait_for_lock(fd: int, path: Path, timeout_seconds: float) -> None:
    # Polling instead of a blocking call keeps the wait interruptible and bounded.
    deadline = time.monotonic() + timeout_seconds
    pause = _FIRST_POLL_SECONDS
    while not _try_lock(fd):
        if time.monotonic() >= deadline:
            raise ExportFailed(
                f"Timed out after {timeout_seconds:g} s waiting for the lock {path}, "
                f"held by {_read_holder(fd)}. Another export into this destination "
                "is still publishing; try again when it has finished."
            )
        time.sleep(pause)
        pause = min(pause * 2, _MAX_POLL_SECONDS)


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except (BlockingIOError, PermissionError):
        return False
    return True


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _record_holder(fd: int) -> None:
    # The holder's process id helps a user who waits for the lock; nothing relies on it.
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 64).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return f"process {text}" if text.isdigit() else "another process"
