"""Default task types, statuses and asset types for a new project.

Colours are sRGB hex values. The statuses bind to the colour tags of Blender's
default theme: 01 red, 04 green, 05 blue, 06 violet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHOT_TASK_TYPES = (
    ('Storyboard', '#8E7CC3'),
    ('Layout', '#E69138'),
    ('Animation', '#3D85C6'),
    ('Lighting', '#F1C232'),
    ('Compositing', '#6AA84F'),
)
ASSET_TASK_TYPES = (
    ('Modeling', '#76A5AF'),
    ('Shading', '#C27BA0'),
    ('Rigging', '#CC4125'),
)
# (name, colour, strip colour tag)
TASK_STATUSES = (
    ('Todo', '#9E9E9E', 'NONE'),
    ('WIP', '#3273DC', 'COLOR_05'),
    ('Review', '#AB26FF', 'COLOR_06'),
    ('Done', '#22D160', 'COLOR_04'),
    ('Retake', '#FF3860', 'COLOR_01'),
)
ASSET_TYPES = ('Character', 'Prop', 'Set')


def hex_to_rgb(color: str) -> tuple[float, float, float]:
    """Return ``#RRGGBB`` as three floats from 0 to 1."""
    value = color.lstrip('#')
    red, green, blue = (int(value[index : index + 2], 16) / 255 for index in (0, 2, 4))
    return red, green, blue


def ensure_project_id(scene: Any) -> str:
    """Store the scene's project id if it has none, and return the id.

    The generated id is the one exports used so far (derived from the project name),
    so the published project keeps its folder. Once stored, the id no longer changes
    when the project or the file is renamed.
    """
    settings = scene.watchtower
    if not settings.project_id:
        from ..core.options import ExportOptions
        from . import describe, tracker

        stored = tracker.read_project_settings(scene)
        options = ExportOptions(destination=Path())
        name = describe.project_name_of(scene, stored, options)
        settings.project_id = describe.project_id_of(name, stored, options)
    return str(settings.project_id)


def apply_default_template(scene: Any) -> int:
    """Add the default task types, statuses and asset types that the scene's project lacks.

    Entries with the same name are kept as they are. Returns how many were added.
    """
    ensure_project_id(scene)
    settings = scene.watchtower
    added = 0
    for names, for_shots in ((SHOT_TASK_TYPES, True), (ASSET_TASK_TYPES, False)):
        for name, color in names:
            entry = _add_missing(settings.task_types, name)
            if entry is not None:
                entry.color = hex_to_rgb(color)
                entry.for_shots = for_shots
                added += 1
    for name, color, tag in TASK_STATUSES:
        entry = _add_missing(settings.task_statuses, name)
        if entry is not None:
            entry.color = hex_to_rgb(color)
            entry.color_tag = tag
            added += 1
    for name in ASSET_TYPES:
        added += _add_missing(settings.asset_types, name) is not None
    return added


def _add_missing(entries: Any, name: str) -> Any:
    if any(entry.name == name for entry in entries):
        return None
    entry = entries.add()
    entry.name = name
    return entry
