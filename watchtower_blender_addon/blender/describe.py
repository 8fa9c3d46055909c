"""Describe one scene as the edit to export: project, shots, sequences, tracker data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy

from ..core import timeline
from ..core.edit_project import EditDescription
from ..core.errors import InputError
from ..core.frames import exact_fps, ratio_label
from ..core.ids import validate_project_id
from ..core.options import ExportOptions
from ..core.stable_ids import stable_id
from . import compat, scene_reader
from .tracker import read_project_settings, read_tracker


def project_name_of(scene: Any, settings: dict[str, Any], options: ExportOptions) -> str:
    """Return the project name: option, scene setting, .blend file name, then scene name."""
    if options.project_name:
        return options.project_name
    if settings.get('project_name'):
        return str(settings['project_name'])
    if bpy.data.filepath:
        return Path(bpy.data.filepath).stem
    return scene.name


def project_id_of(name: str, settings: dict[str, Any], options: ExportOptions) -> str:
    """Return the project id: option, scene setting, else derived from the project name."""
    if options.project_id is not None:
        return validate_project_id(options.project_id)
    if settings.get('project_id'):
        return validate_project_id(str(settings['project_id']))
    return stable_id("project", name)


def parse_channels(text: str, label: str) -> list[int]:
    """Parse "2" or "2,3" into channel numbers; ``label`` names the source in errors."""
    try:
        channels = [int(part) for part in text.split(',') if part.strip()]
    except ValueError:
        raise InputError(
            f"{label}: invalid shot channel list '{text}' (expected e.g. 2 or 2,3)"
        ) from None
    if any(channel < 1 for channel in channels):
        raise InputError(f"{label}: shot channels start at 1, got '{text}'")
    return channels


def describe_scene(scene: Any, options: ExportOptions) -> tuple[EditDescription, list[str]]:
    """Return the edit of ``scene`` and the warnings found while reading it.

    Raises:
        InputError: no sequencer, no shots in the scene range, or an invalid setting.
    """
    editor = scene_reader.sequence_editor_of(scene)
    settings = read_project_settings(scene)
    label = f"{scene_reader.blend_label()}: scene '{scene.name}'"
    frame_range = timeline.FrameRange(scene.frame_start, scene.frame_end)
    strips = scene_reader.read_strips(editor)
    names = compat.channel_names(editor)

    requested = options.shot_channels or parse_channels(
        str(settings.get('shot_channels', '')), label
    )
    channels = _shot_channels(strips, names, requested, label)
    selection = timeline.select_shots(strips, channels, frame_range)
    if not selection.shots:
        channel_list = ", ".join(str(c) for c in channels)
        raise InputError(f"{label}: no shots in the scene range on channel {channel_list}")

    project_name = project_name_of(scene, settings, options)
    project_id = project_id_of(project_name, settings, options)
    inputs = _sequence_inputs(scene, strips, names, channels, project_name, settings, options)
    source = options.sequence_source or settings.get('sequence_source') or 'auto'
    try:
        sequences = timeline.group_into_sequences(source, inputs, selection.shots, frame_range)
    except InputError as error:
        raise InputError(f"{label}: {error}") from None
    selection.warnings += timeline.pattern_warnings(source, inputs, selection.shots)

    shot_strips = [compat.strips_of(editor)[shot.name] for shot in selection.shots]
    render = scene.render
    description = EditDescription(
        project_id=project_id,
        project_name=project_name,
        fps=exact_fps(render.fps, render.fps_base),
        resolution=(render.resolution_x, render.resolution_y),
        ratio=ratio_label(
            render.resolution_x, render.resolution_y, render.pixel_aspect_x, render.pixel_aspect_y
        ),
        frame_range=frame_range,
        shots=selection.shots,
        sequences=sequences,
        tracker=read_tracker(scene, shot_strips, project_id),
        with_previews=options.previews,
    )
    return description, selection.warnings


def _shot_channels(
    strips: list[timeline.StripInfo], names: dict[int, str], requested: list[int], label: str
) -> list[int]:
    try:
        return timeline.find_shot_channels(strips, names, requested)
    except InputError as error:
        raise InputError(f"{label}: {error}") from None


def _sequence_inputs(
    scene: Any,
    strips: list[timeline.StripInfo],
    names: dict[int, str],
    shot_channels: list[int],
    project_name: str,
    settings: dict[str, Any],
    options: ExportOptions,
) -> timeline.SequenceInputs:
    sequence_channels = {
        channel
        for channel, name in names.items()
        if name.strip().lower() == timeline.SEQUENCES_CHANNEL_NAME and channel not in shot_channels
    }
    return timeline.SequenceInputs(
        sequence_strips=[s for s in strips if s.channel in sequence_channels],
        markers=scene_reader.read_markers(scene),
        project_name=project_name,
        pattern=options.sequence_pattern or str(settings.get('sequence_pattern', '')),
    )
