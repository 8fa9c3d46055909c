"""Bundle an exported site with the Watchtower web client, ready for a static web server.

``DEST/data`` stays the source of truth: every bundle copies it into ``DEST/watchtower/data``
next to the client's files, so the ``DEST/watchtower`` folder can be served from ``/``.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import shutil
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

from .errors import InputError
from .jsonio import read_json, write_bytes_atomic, write_json
from .locking import destination_lock
from .progress import Progress

logger = logging.getLogger(__name__)

CLIENT_DISTRIBUTION = 'watchtower-pipeline'
# Top-level folder of the watchtower-pipeline wheel (1.0.0b0) that contains the built client.
CLIENT_FOLDER = 'dist_client_web'
BUNDLE_FOLDER = 'watchtower'
CLIENT_MISSING_HINT = (
    "install it with: pip install 'watchtower-blender-addon[viewer]', "
    "or pass --client-dir DIR (a folder holding the client's index.html)"
)

# The client draws shot and asset thumbnails into 150x100 texture slots and avatars into
# 400x400 slots, and an image of another size is not drawn, so the placeholders it loads
# for null thumbnails must have these sizes. The wheel does not ship them.
PLACEHOLDERS = {
    'static/img/placeholder-asset.png': (150, 100),
    'static/img/placeholder-user.png': (400, 400),
}
PLACEHOLDER_RGB = (64, 64, 64)

# Files of the client's folder that are not part of the web site.
IGNORED_CLIENT_FILES = ('.DS_Store', '__pycache__')
# Hidden entries of DEST/data (the export lock, staging folders of running exports) stay out.
IGNORED_DATA_FILES = ('.*',)


def find_client_dir(client_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder of the built Watchtower web client.

    Args:
        client_dir: a folder given by the user; without it, the ``dist_client_web`` folder
            of the installed watchtower-pipeline distribution.

    Raises:
        InputError: the folder has no index.html, or no client is installed.
    """
    if client_dir is not None:
        path = Path(client_dir)
        if not (path / 'index.html').is_file():
            raise InputError(f"{path}: not a Watchtower web client folder (no index.html)")
        return path

    installed = _installed_client_dir()
    if installed is None:
        raise InputError(f"Watchtower web client not found: {CLIENT_MISSING_HINT}")
    return installed


def _installed_client_dir() -> Path | None:
    try:
        distribution = importlib.metadata.distribution(CLIENT_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None

    for file in distribution.files or ():
        if file.parts == (CLIENT_FOLDER, 'index.html'):
            index = Path(str(distribution.locate_file(file)))
            if index.is_file():
                return index.parent
    return None


def bundle_site(
    destination: str | os.PathLike[str],
    client_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> Path:
    """Write ``destination/watchtower``: the web client plus a copy of ``destination/data``.

    Projects already in the bundle that ``destination/data`` does not list are kept, and
    each project of ``destination/data`` replaces its folder in the bundle as a whole.

    Returns:
        The bundle folder, to be served as the web site root.

    Raises:
        InputError: ``destination`` contains no export, or the client is not found.
    """
    progress = progress or Progress()
    destination = Path(destination)
    source_data = destination / 'data'
    source_index = source_data / 'projects-list' / 'index.json'
    if not source_index.is_file():
        raise InputError(f"{source_index} not found: export a project to {destination} first")
    client = find_client_dir(client_dir)

    bundle = destination / BUNDLE_FOLDER
    progress.step(f"Bundling the Watchtower web client into {bundle}")
    # The export lock keeps a running export from swapping a project folder mid-copy, and
    # two bundles of the same destination from interleaving.
    with destination_lock(destination):
        _copy_client(client, bundle)
        _write_placeholders(bundle)
        _merge_data(source_data, bundle / 'data', progress)
    logger.info("Bundled %s with the client from %s", bundle, client)
    return bundle


def _copy_client(client: Path, bundle: Path) -> None:
    ignore = shutil.ignore_patterns(*IGNORED_CLIENT_FILES)
    for entry in sorted(client.iterdir()):
        if entry.name in IGNORED_CLIENT_FILES or entry.name == 'data':
            continue
        target = bundle / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target, ignore=ignore, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(entry, target)


def _write_placeholders(bundle: Path) -> None:
    for relative_path, (width, height) in PLACEHOLDERS.items():
        path = bundle / relative_path
        if not path.is_file():
            write_bytes_atomic(path, solid_png(width, height, PLACEHOLDER_RGB))


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """Encode an 8-bit RGB PNG of one colour."""
    row = b'\x00' + bytes(rgb) * width  # filter type 0 (None) before each row
    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(row * height, 9)
    return (
        b'\x89PNG\r\n\x1a\n'
        + _chunk(b'IHDR', header)
        + _chunk(b'IDAT', pixels)
        + _chunk(b'IEND', b'')
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data)
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', checksum)


def _merge_data(source: Path, target: Path, progress: Progress) -> None:
    projects_dir = source / 'projects'
    entries = sorted(projects_dir.iterdir()) if projects_dir.is_dir() else []
    projects = [p for p in entries if p.is_dir() and not p.name.startswith('.')]
    for done, project in enumerate(projects):
        progress.update(done, len(projects))
        _replace_tree(project, target / 'projects' / project.name)
    progress.update(len(projects), len(projects))

    source_list = source / 'projects-list'
    target_list = target / 'projects-list'
    if (source_list / 'previews').is_dir():
        shutil.copytree(
            source_list / 'previews',
            target_list / 'previews',
            ignore=shutil.ignore_patterns(*IGNORED_DATA_FILES),
            dirs_exist_ok=True,
        )
    # The index is written last, so an interrupted bundle never lists a missing project folder.
    _merge_index(source_list / 'index.json', target_list / 'index.json')


def _replace_tree(source: Path, target: Path) -> None:
    """Copy ``source`` beside ``target``, then swap it in, so ``target`` is never half-copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f'.{target.name}.', dir=target.parent))
    try:
        shutil.copytree(source, staging / 'new', ignore=shutil.ignore_patterns(*IGNORED_DATA_FILES))
        if target.exists():
            target.rename(staging / 'old')
        try:
            (staging / 'new').rename(target)
        except OSError:
            if (staging / 'old').exists():
                (staging / 'old').rename(target)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _merge_index(source: Path, target: Path) -> None:
    entries = _read_project_list(target) if target.is_file() else []
    positions = {entry.get('id'): i for i, entry in enumerate(entries)}
    for entry in _read_project_list(source):
        position = positions.get(entry.get('id'))
        if position is None:
            positions[entry.get('id')] = len(entries)
            entries.append(entry)
        else:
            entries[position] = entry
    write_json(target, {'projects': entries})


def _read_project_list(path: Path) -> list[dict[str, Any]]:
    content = read_json(path)
    projects = content.get('projects') if isinstance(content, dict) else None
    if not isinstance(projects, list) or not all(isinstance(p, dict) for p in projects):
        raise InputError(f"{path}: expected an object with a 'projects' list of objects")
    return projects
