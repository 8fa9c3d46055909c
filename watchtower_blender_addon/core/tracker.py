"""Production tracker data of one project: what the Blender layer reads from the .blend."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import models


@dataclass
class TrackerData:
    """Task types, statuses, team and assets of a project, and what each shot has.

    ``shot_tasks`` and ``shot_casting`` are keyed by the shot strip's name; casting
    values are asset ids that appear in ``assets``.
    """

    task_types: list[models.TaskType] = field(default_factory=list)
    task_statuses: list[models.TaskStatus] = field(default_factory=list)
    team: list[models.User] = field(default_factory=list)
    asset_types: list[models.AssetType] = field(default_factory=list)
    assets: list[models.Asset] = field(default_factory=list)
    shot_tasks: dict[str, list[models.Task]] = field(default_factory=dict)
    shot_casting: dict[str, list[str]] = field(default_factory=dict)
