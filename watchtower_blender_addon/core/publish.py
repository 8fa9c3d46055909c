"""Atomic publishing of one project into a Watchtower site.

An export writes into a staging folder laid out like the destination ``DEST``, then
:meth:`ProjectStaging.commit` checks that the staged export is complete and swaps it
in. People browsing the site see either the previous export or the new one, never a
missing or half-written project, and other projects in ``DEST`` are never touched.

Usage, in this order::

    project_id = ids.validate_project_id(project_id)      # InputError on a bad id
    with publish.termination_as_exception():                # main thread only
        with publish.ProjectStaging(dest, project_id) as stage:
            # Entering removes stale staging folders of killed exports first.
            write_project_files(stage.project_dir)         # data/projects/<pid>/...
            write_list_preview(stage.list_preview_path)    # projects-list preview
            stage.commit(list_item, expected_total_frames=n, count_video_frames=count)

``commit`` runs these steps:

1. Check the staged tree (see :mod:`.staging_checks`); a failure raises ExportFailed
   and publishes nothing.
2. Take the destination lock (:mod:`.locking`) and defer SIGINT, SIGTERM and SIGHUP
   until step 6, so that an interruption cannot stop a publish halfway.
3. Check that ``projects-list/index.json`` is readable, so a malformed index stops
   the export before anything changes.
4. Swap ``DEST/data/projects/<pid>`` with the staged folder in one step, with
   ``renameat2(RENAME_EXCHANGE)`` on Linux or ``renamex_np(RENAME_SWAP)`` on macOS.
   Where neither works, rename the old folder aside and the new one in. That leaves
   a short window without the project, which the next export repairs if the process
   is killed in it.
5. Replace the project-list preview with ``os.replace``, then merge the list item
   into ``index.json``. If step 4 or 5 fails, the swap and the preview are undone.
6. Release the lock, stop deferring signals. ``__exit__`` deletes the staging folder,
   which by then holds the previous project folder.

Layout of a staging folder (on the same filesystem as the project folders, so the
swap is a rename)::

    DEST/data/projects/.staging-<random>/
        owner.json              process id, host name and start time of the exporter
        root/                   ProjectStaging.root, laid out like DEST
        previous/               the replaced project folder (fallback swap only)
        previous-preview.png    the replaced project-list preview, until cleanup
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from . import writers
from .errors import ExportFailed
from .fileops import exchange_paths, fsync_dir, fsync_tree, link_or_copy, move_file
from .ids import validate_project_id
from .locking import DEFAULT_LOCK_TIMEOUT_SECONDS, destination_lock
from .staging_checks import (
    VideoFrameCounter,
    check_staged_export,
    list_preview_path,
    project_folder,
)
from .staging_dirs import (
    PREVIOUS_PROJECT_DIR_NAME,
    STAGING_PREFIX,
    remove_staging_dir,
    remove_stale_staging,
    write_owner_file,
)

log = logging.getLogger(__name__)

MergeProjectList = Callable[[Path, Sequence[dict[str, Any]]], None]
Checkpoint = Callable[[str], None]

TERMINATION_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_DEFERRED_SIGNALS = (signal.SIGINT, *TERMINATION_SIGNALS)
_DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, getattr(errno, "EDQUOT", errno.ENOSPC)}


class ProjectStaging:
    """A staging folder for one project's export in ``dest``; use it as a context manager.

    Args:
        dest: the site root ``DEST``; created if missing.
        project_id: the project id, checked with :func:`.ids.validate_project_id`.
        merge_project_list: ``f(index_path, items)`` that reads ``index.json``, adds or
            replaces the entries of ``items`` by id and writes it atomically, raising
            ExportFailed on a malformed index. Defaults to
            :func:`.writers.merge_project_list`. It runs under the destination lock.
        lock_timeout_seconds: how long ``commit`` waits for another export to publish.
        checkpoint: called with the name of each commit step as it is reached
            ("validated", "locked", "moved-aside", "swapped", "preview-replaced",
            "index-merged"). Tests use it to interrupt a publish at a known point.

    Raises:
        InputError: invalid ``project_id``.
        ExportFailed: the staging folder cannot be created (read-only or full disk).
    """

    def __init__(
        self,
        dest: Path,
        project_id: str,
        *,
        merge_project_list: MergeProjectList | None = None,
        lock_timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.dest = Path(dest)
        self.project_id = validate_project_id(project_id)
        self._merge_project_list = merge_project_list or writers.merge_project_list
        self._lock_timeout_seconds = lock_timeout_seconds
        self._checkpoint = checkpoint or (lambda name: None)
        self.staging_dir: Path | None = None
        self.committed = False
        self._swap_state = ""
        self._preview_state = ""

    # Paths -------------------------------------------------------------------------

    @property
    def projects_dir(self) -> Path:
        return self.dest / "data" / "projects"

    @property
    def root(self) -> Path:
        """The staging root, laid out like ``DEST``."""
        if self.staging_dir is None:
            raise RuntimeError("ProjectStaging.root is only available inside the with block")
        return self.staging_dir / "root"

    @property
    def project_dir(self) -> Path:
        """The staged project folder, published as ``DEST/data/projects/<pid>``."""
        return self.root.joinpath(*project_folder(self.project_id).parts)

    @property
    def list_preview_path(self) -> Path:
        """The staged project-list preview, published as
        ``DEST/data/projects-list/previews/<pid[:2]>/<pid>.png``."""
        return self.root.joinpath(*list_preview_path(self.project_id).parts)

    @property
    def final_project_dir(self) -> Path:
        return self.projects_dir / self.project_id

    @property
    def final_list_preview_path(self) -> Path:
        return self.dest.joinpath(*list_preview_path(self.project_id).parts)

    # Context manager ---------------------------------------------------------------

    def __enter__(self) -> ProjectStaging:  # noqa: PYI034 (Self needs Python 3.11)
        self._create_projects_dir()
        remove_stale_staging(self.dest)
        try:
            self.staging_dir = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.projects_dir))
            write_owner_file(self.staging_dir, self.project_id)
            self.project_dir.mkdir(parents=True)
            self.list_preview_path.parent.mkdir(parents=True)
        except OSError as error:
            self._remove_staging_dir()
            raise ExportFailed(
                f"Cannot create a staging folder in {self.projects_dir}: {_describe(error)}. "
                "Check that the destination is writable and has free space."
            ) from error
        log.debug("Staging project %s in %s", self.project_id, self.staging_dir)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._remove_staging_dir()
        if exc is None and not self.committed:
            log.warning(
                "Export of project %s ended without commit; nothing was published", self.project_id
            )
        if isinstance(exc, OSError) and exc.errno in _DISK_ERRNOS:
            raise ExportFailed(
                f"Cannot write the export of project {self.project_id!r} to {self.dest}: "
                f"{_describe(exc)}. Nothing was published; the previous export is unchanged."
            ) from exc

    def _create_projects_dir(self) -> None:
        try:
            self.projects_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ExportFailed(
                f"Cannot create {self.projects_dir}: {_describe(error)}. "
                "Check that the destination is writable."
            ) from error

    def _remove_staging_dir(self) -> None:
        if self.staging_dir is not None:
            remove_staging_dir(self.staging_dir)

    # Commit ------------------------------------------------------------------------

    def commit(
        self,
        list_item: Mapping[str, Any],
        expected_total_frames: int | None = None,
        count_video_frames: VideoFrameCounter | None = None,
    ) -> None:
        """Check the staged export and publish it into ``dest`` (steps in the module doc).

        Args:
            list_item: the project's entry of ``projects-list/index.json``
                (``id``, ``name``, ``thumbnailUrl``).
            expected_total_frames: if given, ``edit.json`` ``totalFrames`` must equal it.
            count_video_frames: if given and ``sourceName`` is a local file, called with
                the staged video's path; its result must equal ``totalFrames``.

        Raises:
            ExportFailed: the staged export is incomplete, the index is malformed, the
                lock timed out or a file operation failed. The previous export is left
                in place (or put back) in every case.
        """
        if self.staging_dir is None or self.committed:
            raise RuntimeError("ProjectStaging.commit must be called once, inside the with block")
        self._check_staged(list_item, expected_total_frames, count_video_frames)
        self._checkpoint("validated")
        self._flush_to_disk()
        lock_context = destination_lock(self.dest, self._lock_timeout_seconds)
        # The lock is taken before signals are deferred, so a long wait stays interruptible.
        # It is released while they are still deferred, so that a signal handled at the
        # end of the block never leaves the destination locked.
        with lock_context as lock, _signals_deferred():
            self._checkpoint("locked")
            self._publish(dict(list_item))
            self.committed = True
            lock.release()
        log.info("Published project %s to %s", self.project_id, self.dest)

    def _check_staged(
        self,
        list_item: Mapping[str, Any],
        expected_total_frames: int | None,
        count_video_frames: VideoFrameCounter | None,
    ) -> None:
        try:
            check_staged_export(
                self.root, self.project_id, list_item, expected_total_frames, count_video_frames
            )
        except ExportFailed as error:
            raise ExportFailed(
                f"Cannot publish project {self.project_id!r} to {self.dest}: {error}. "
                "Nothing was published; the previous export is unchanged."
            ) from error

    def _flush_to_disk(self) -> None:
        try:
            fsync_tree(self.root)
        except OSError as error:
            raise ExportFailed(
                f"Cannot publish project {self.project_id!r} to {self.dest}: "
                f"{_describe(error)}. Nothing was published; the previous export is unchanged."
            ) from error

    def _publish(self, list_item: dict[str, Any]) -> None:
        index_path = self.dest.joinpath(*writers.PROJECT_LIST_INDEX.parts)
        try:
            writers.read_project_list(index_path)
        except ExportFailed as error:
            raise ExportFailed(
                f"Cannot publish project {self.project_id!r} to {self.dest}: {error}. "
                "Nothing was published and the file was left unchanged."
            ) from error
        try:
            self._swap_project_folder()
            self._replace_list_preview()
            self._merge_index(index_path, list_item)
        except BaseException as error:
            self._undo_publish()
            if isinstance(error, (OSError, ExportFailed)):
                raise ExportFailed(
                    f"Cannot publish project {self.project_id!r} to {self.dest}: "
                    f"{_describe(error)}. The previous export was put back."
                ) from error
            raise

    def _swap_project_folder(self) -> None:
        staged, final = self.project_dir, self.final_project_dir
        if not os.path.lexists(final):
            os.rename(staged, final)
            self._swap_state = "created"
        elif exchange_paths(staged, final):
            self._swap_state = "exchanged"
        else:
            os.rename(final, self._previous_dir)
            self._swap_state = "moved-aside"
            self._checkpoint("moved-aside")
            os.rename(staged, final)
            self._swap_state = "replaced"
        fsync_dir(self.projects_dir)
        self._checkpoint("swapped")

    def _replace_list_preview(self) -> None:
        staged, final = self.list_preview_path, self.final_list_preview_path
        if not staged.exists():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            link_or_copy(final, self._previous_preview)
            self._preview_state = "backed-up"
        else:
            self._preview_state = "created"
        move_file(staged, final)
        self._checkpoint("preview-replaced")

    def _merge_index(self, index_path: Path, list_item: dict[str, Any]) -> None:
        self._merge_project_list(index_path, [list_item])
        self._checkpoint("index-merged")

    def _undo_publish(self) -> None:
        try:
            self._undo_preview()
            self._undo_swap()
        except OSError:
            log.exception(
                "Failed to restore the previous export of project %s in %s. "
                "The staging folder %s is kept for inspection",
                self.project_id,
                self.dest,
                self.staging_dir,
            )
            # Keeping the folder keeps the previous project files that it may hold.
            self.staging_dir = None

    def _undo_preview(self) -> None:
        if self._preview_state == "backed-up":
            os.replace(self._previous_preview, self.final_list_preview_path)
        elif self._preview_state == "created":
            self.final_list_preview_path.unlink(missing_ok=True)
        self._preview_state = ""

    def _undo_swap(self) -> None:
        staged, final = self.project_dir, self.final_project_dir
        if self._swap_state == "created":
            os.rename(final, staged)
        elif self._swap_state == "exchanged":
            if not exchange_paths(staged, final):
                raise OSError(errno.ENOTSUP, "atomic exchange failed while restoring", str(final))
        elif self._swap_state == "replaced":
            os.rename(final, staged)
            os.rename(self._previous_dir, final)
        elif self._swap_state == "moved-aside":
            os.rename(self._previous_dir, final)
        self._swap_state = ""

    @property
    def _previous_dir(self) -> Path:
        assert self.staging_dir is not None
        return self.staging_dir / PREVIOUS_PROJECT_DIR_NAME

    @property
    def _previous_preview(self) -> Path:
        assert self.staging_dir is not None
        return self.staging_dir / "previous-preview.png"


# Signals -----------------------------------------------------------------------------


@contextlib.contextmanager
def termination_as_exception(signals: Sequence[int] = TERMINATION_SIGNALS) -> Iterator[None]:
    """Raise SystemExit(128 + signal number) on SIGTERM and SIGHUP while the block runs.

    Python already turns SIGINT into KeyboardInterrupt. This does the same for the
    signals that would otherwise end the process without running ``finally`` blocks,
    so that ``ProjectStaging`` can delete its staging folder. The previous handlers
    come back when the block ends. A signal whose current handler was installed by C
    code (``signal.getsignal`` returns None, as in some Blender builds) is left alone,
    because Python could not restore that handler.

    Raises:
        RuntimeError: called outside the main thread, where Python cannot set handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("termination_as_exception() must be used in the main thread")
    previous: dict[int, Any] = {}
    try:
        for signum in signals:
            if signal.getsignal(signum) is None:
                log.debug("Leaving signal %s to the handler installed outside Python", signum)
                continue
            previous[signum] = signal.signal(signum, _raise_system_exit)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _raise_system_exit(signum: int, frame: Any) -> None:
    log.info("Stopping on signal %s", signal.Signals(signum).name)
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends, then deliver the first one.

    An interruption so lands before or after the publish, never in the middle of it.
    Python runs signal handlers in the main thread whichever thread the signal reaches
    (bpy has several), so replacing the handlers defers them where blocking the
    signal in one thread would not. Outside the main thread the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous: dict[int, Any] = {}
    for signum in _DEFERRED_SIGNALS:
        if signal.getsignal(signum) is not None:
            previous[signum] = signal.signal(signum, lambda number, _frame: received.append(number))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            signal.raise_signal(received[0])


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror} ({error.filename})" if error.filename else error.strerror
    return str(error)
