"""Deterministic JSON and atomic file writes.

Every JSON file of an export goes through :func:`write_json`, so that the same data
always gives the same bytes, and a reader never sees a half-written file.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from .errors import ExportFailed


def dumps_json(data: Any) -> str:
    """Serialize ``data`` with 2-space indent, UTF-8 text and a trailing newline.

    Keys keep their insertion order, so the order of a model's fields is the order
    in the file.
    """
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + '\n'


@contextlib.contextmanager
def atomic_writer(path: pathlib.Path) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` and move it onto ``path`` on success.

    The temporary file is in the same folder so that ``os.replace`` is atomic. On any
    error the temporary file is removed and ``path`` keeps its old content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(
        prefix=f'.{path.name}.', suffix='.tmp', dir=path.parent
    )
    try:
        with os.fdopen(handle, 'wb') as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates the file as 0600; a web server must be able to read the site.
        os.chmod(temporary_name, 0o644)
        os.replace(temporary_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary_name)
        raise


def write_bytes_atomic(path: pathlib.Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file and ``os.replace``."""
    with atomic_writer(path) as stream:
        stream.write(content)


def write_json(path: pathlib.Path, data: Any) -> None:
    """Write ``data`` as deterministic JSON to ``path``, creating parent folders.

    Raises:
        ExportFailed: the data holds a value JSON cannot represent (NaN, infinity,
            an object that is not a dict, list, str, number, bool or None).
    """
    try:
        text = dumps_json(data)
    except (TypeError, ValueError) as error:
        raise ExportFailed(f"Failed to write {path}: {error}") from error
    write_bytes_atomic(path, text.encode('utf-8'))


def read_json(path: pathlib.Path) -> Any:
    """Parse the UTF-8 JSON file at ``path``.

    Raises:
        ExportFailed: the file cannot be read or is not valid JSON.
    """
    try:
        return json.loads(path.read_text(encoding='utf-8'))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportFailed(f"Failed to read JSON file {path}: {error}") from error
