"""Differences between the supported Blender versions, by feature checks, in one place.

Blender 3.4 to 4.x call strips "sequences"; 5.0 calls them "strips", sizes new effect
strips by ``length`` instead of ``frame_end``, and needs a media type before a file format.
"""

from __future__ import annotations

from typing import Any

import bpy


def strips_of(container: Any) -> Any:
    """Return the top-level strip collection of a sequence editor or meta strip."""
    if hasattr(container, 'strips'):
        return container.strips
    return container.sequences


def all_strips(sequence_editor: Any) -> Any:
    """Return every strip of a sequence editor, including those inside meta strips."""
    if hasattr(sequence_editor, 'strips_all'):
        return sequence_editor.strips_all
    return sequence_editor.sequences_all


def strip_base_type() -> Any:
    """Return the RNA type of strips, to register properties on."""
    return getattr(bpy.types, 'Strip', None) or bpy.types.Sequence


def new_effect(
    container: Any, name: str, kind: str, channel: int, frame_start: int, length: int, **inputs: Any
) -> Any:
    """Add an effect strip (colour, text, transition...) of ``length`` frames."""
    strips = strips_of(container)
    try:
        return strips.new_effect(
            name=name, type=kind, channel=channel, frame_start=frame_start, length=length, **inputs
        )
    except TypeError:
        return strips.new_effect(
            name=name,
            type=kind,
            channel=channel,
            frame_start=frame_start,
            frame_end=frame_start + length,
            **inputs,
        )


def has_audio() -> bool:
    """Return whether this Blender build plays and mixes sound (the bpy 4.2 wheels don't)."""
    return bool(getattr(bpy.app.build_options, 'audaspace', True))


def set_file_format(image_settings: Any, file_format: str) -> None:
    """Set the output file format, choosing the media type first where Blender has one."""
    if hasattr(image_settings, 'media_type'):
        image_settings.media_type = 'VIDEO' if file_format == 'FFMPEG' else 'IMAGE'
    image_settings.file_format = file_format


def channel_names(sequence_editor: Any) -> dict[int, str]:
    """Return the names of the sequencer channels by number (Blender 3.3 and later)."""
    channels = getattr(sequence_editor, 'channels', None)
    if channels is None:
        return {}
    return {index: channel.name for index, channel in enumerate(channels) if index > 0}


def is_channel_muted(sequence_editor: Any, channel: int) -> bool:
    channels = getattr(sequence_editor, 'channels', None)
    if channels is None or channel >= len(channels):
        return False
    return bool(channels[channel].mute)
