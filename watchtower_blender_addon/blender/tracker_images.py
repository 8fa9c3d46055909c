"""Write the tracker's images (avatars, asset thumbnails) into the site at the client's sizes.

The tracker reader leaves each image's source in ``thumbnailUrl``: an absolute image
file path, or ``datablock:<bpy.data collection>:<name>`` for a data-block's preview.
This module writes the copy the client draws (avatars 400x400, asset thumbnails
150x100, letterboxed on black) and replaces ``thumbnailUrl`` with its site path.
"""

from __future__ import annotations

import os
import pathlib
import tempfile
from array import array

import bpy

from ..core.edit_project import SHOT_PREVIEW_SIZE, item_preview_path
from ..core.progress import Progress
from ..core.tracker import TrackerData
from .render import save_png, write_letterboxed

AVATAR_SIZE = (400, 400)
DATABLOCK_PREFIX = "datablock:"


def write_tracker_images(
    tracker: TrackerData, root: pathlib.Path, project_id: str, progress: Progress
) -> None:
    """Write every avatar and asset thumbnail under ``root`` and point the models at them.

    An image that cannot be read is left out with a warning naming its owner.
    """
    with tempfile.TemporaryDirectory(prefix="watchtower-images-") as scratch:
        for user in tracker.team:
            written = _write_one(
                user.thumbnailUrl,
                root,
                project_id,
                str(user.id),
                AVATAR_SIZE,
                f"avatar of team member '{user.name}'",
                scratch,
                progress,
            )
            user.thumbnailUrl = written
            user.has_avatar = written is not None
        for asset in tracker.assets:
            asset.thumbnailUrl = _write_one(
                asset.thumbnailUrl,
                root,
                project_id,
                str(asset.id),
                SHOT_PREVIEW_SIZE,
                f"thumbnail of asset '{asset.name}'",
                scratch,
                progress,
            )


def drop_tracker_images(tracker: TrackerData) -> None:
    """Clear every avatar and asset thumbnail, for an export without previews."""
    for user in tracker.team:
        user.thumbnailUrl = None
        user.has_avatar = False
    for asset in tracker.assets:
        asset.thumbnailUrl = None


def _write_one(
    source: str | None,
    root: pathlib.Path,
    project_id: str,
    item_id: str,
    size: tuple[int, int],
    label: str,
    scratch: str,
    progress: Progress,
) -> str | None:
    if not source:
        return None
    site_path = item_preview_path(project_id, item_id)
    try:
        image_file = _image_file_of(source, scratch, item_id)
        write_letterboxed(image_file, str(root / site_path), size[0], size[1])
    except (RuntimeError, OSError, ValueError) as error:
        progress.warning(f"{label}: cannot read {source}: {error}; exported without it")
        return None
    return site_path


def _image_file_of(source: str, scratch: str, item_id: str) -> str:
    """Return an image file for ``source``, saving a data-block's preview to ``scratch``."""
    if not source.startswith(DATABLOCK_PREFIX):
        return source
    collection_name, _, name = source[len(DATABLOCK_PREFIX) :].partition(":")
    datablock = getattr(bpy.data, collection_name).get(name)
    preview = getattr(datablock, 'preview', None)
    if preview is None or preview.image_size[0] == 0:
        raise ValueError("the data-block has no stored preview")
    width, height = preview.image_size
    pixels = array('f', bytes(4 * width * height * 4))
    preview.image_pixels_float.foreach_get(pixels)
    path = os.path.join(scratch, f"{item_id}.png")
    save_png(pixels, width, height, path, alpha=True)
    return path
