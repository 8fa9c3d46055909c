"""Read a scene's strips, markers and Watchtower settings into the core's plain data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import bpy

from ..core.errors import InputError
from ..core.timeline import Marker, StripInfo
from . import compat

# Strip types that never show a picture of their own.
_NON_VISUAL_TYPES = {'SOUND', 'ADJUSTMENT'}


def find_scene(name: str | None) -> Any:
    """Return the scene called ``name``, or the active scene when ``name`` is empty.

    Raises:
        InputError: when no scene has that name; the message lists the scenes.
    """
    if not name:
        return bpy.context.scene
    scene = bpy.data.scenes.get(name)
    if scene is None:
        choices = ", ".join(f"'{s.name}'" for s in bpy.data.scenes)
        raise InputError(f"{blend_label()}: scene '{name}' not found (scenes: {choices})")
    return scene


def blend_label() -> str:
    """Return the .blend file name for messages, or "unsaved file"."""
    return Path(bpy.data.filepath).name if bpy.data.filepath else "unsaved file"


def sequence_editor_of(scene: Any) -> Any:
    """Return the scene's sequence editor.

    Raises:
        InputError: when the scene has no sequencer strips.
    """
    editor = scene.sequence_editor
    if editor is None or len(compat.strips_of(editor)) == 0:
        raise InputError(f"{blend_label()}: scene '{scene.name}' has no sequencer strips")
    return editor


def is_visual(strip: Any) -> bool:
    """Return whether a strip shows a picture of its own (not sound, adjustment or transition)."""
    if strip.type in _NON_VISUAL_TYPES:
        return False
    return getattr(strip, 'input_count', 0) == 0


def strip_info(editor: Any, strip: Any) -> StripInfo:
    color = tuple(strip.color) if strip.type == 'COLOR' else None
    return StripInfo(
        name=strip.name,
        channel=strip.channel,
        start=int(strip.frame_final_start),
        end=int(strip.frame_final_end),
        visual=is_visual(strip),
        muted=bool(strip.mute) or compat.is_channel_muted(editor, strip.channel),
        color=color,  # type: ignore[arg-type]
    )


def read_strips(editor: Any) -> list[StripInfo]:
    """Return the top-level strips in channel and start order."""
    infos = [strip_info(editor, s) for s in compat.strips_of(editor)]
    return sorted(infos, key=lambda s: (s.channel, s.start, s.name))


def read_markers(scene: Any) -> list[Marker]:
    return [Marker(m.name, int(m.frame)) for m in scene.timeline_markers]


def has_audible_sound(editor: Any, first: int, last: int) -> bool:
    """Return whether an unmuted sound or scene strip overlaps the frames ``first``..``last``."""
    for strip in compat.all_strips(editor):
        if strip.mute or strip.frame_final_end <= first or strip.frame_final_start > last:
            continue
        if strip.type == 'SOUND':
            return True
        if strip.type == 'SCENE' and getattr(strip, 'scene_input', '') != 'CAMERA':
            return True
    return False


def media_problems(editor: Any) -> list[str]:
    """Return one warning per unmuted strip whose media file is missing or whose scene
    has no camera."""
    problems = []
    for strip in compat.all_strips(editor):
        if strip.mute:
            continue
        path = _media_path(strip)
        if path is not None and not os.path.isfile(path):
            problems.append(f"strip '{strip.name}': media file not found: {path}")
        elif path is not None and strip.type == 'IMAGE' and not _is_readable_image(path):
            problems.append(f"strip '{strip.name}': cannot read the image {path}")
        if strip.type == 'SCENE' and _scene_strip_lacks_camera(strip):
            problems.append(f"strip '{strip.name}': scene '{strip.scene.name}' has no camera")
    return problems


def _media_path(strip: Any) -> str | None:
    if strip.type == 'MOVIE':
        return bpy.path.abspath(strip.filepath)
    if strip.type == 'IMAGE' and len(strip.elements) > 0:
        return bpy.path.abspath(os.path.join(strip.directory, strip.elements[0].filename))
    if strip.type == 'SOUND' and strip.sound is not None:
        return bpy.path.abspath(strip.sound.filepath)
    return None


def _is_readable_image(path: str) -> bool:
    """Return whether Blender can decode the image at ``path`` (it loads images lazily)."""
    try:
        image = bpy.data.images.load(path, check_existing=False)
    except RuntimeError:
        return False
    try:
        return image.size[0] > 0 and image.size[1] > 0
    finally:
        bpy.data.images.remove(image)


def _scene_strip_lacks_camera(strip: Any) -> bool:
    if strip.scene is None or getattr(strip, 'scene_input', 'CAMERA') != 'CAMERA':
        return False
    return (strip.scene_camera or strip.scene.camera) is None
