"""File operations of a publish: atomic folder exchange, file moves and fsync."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

_LINUX_RENAME_EXCHANGE = 2  # from <linux/fs.h>
_MACOS_RENAME_SWAP = 2  # from <stdio.h>
_AT_FDCWD = -100
_UNSUPPORTED_ERRNOS = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap two existing paths in one atomic step; return False where it is unsupported.

    Uses ``renameat2(RENAME_EXCHANGE)`` (Linux 3.15+, glibc 2.28+; not on every
    filesystem) or ``renamex_np(RENAME_SWAP)`` (macOS 10.12+, APFS).

    Raises:
        OSError: the system call exists and failed for another reason.
    """
    call = _exchange_function()
    if call is None:
        return False
    ctypes.set_errno(0)
    if call(os.fsencode(first), os.fsencode(second)) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED_ERRNOS:
        log.debug("Atomic exchange unsupported for %s: %s", second, os.strerror(code))
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def _exchange_function() -> Callable[[bytes, bytes], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    except OSError:
        return None
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        renameat2 = libc.renameat2
        renameat2.argtypes = [
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_uint,
        ]
        return lambda a, b: renameat2(_AT_FDCWD, a, _AT_FDCWD, b, _LINUX_RENAME_EXCHANGE)
    if sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        # NOTE: the macOS path has not been run by the tests, which run on Linux only.
        renamex_np = libc.renamex_np
        renamex_np.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        return lambda a, b: renamex_np(a, b, _MACOS_RENAME_SWAP)
    return None


def move_file(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        # data/projects-list is on another filesystem: copy beside the target first.
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(handle)
        try:
            shutil.copyfile(source, temporary)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def fsync_tree(folder: Path) -> None:
    # Without this, a power cut shortly after the swap could leave empty files in the
    # published project while the previous export is already deleted.
    for directory, _subdirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(directory))


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open folders.
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
