"""Options of one export, shared by the command line and the export operator."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field


# Blender's movie writer rejects pictures a few dozen pixels wide ("Image too small").
MIN_VIDEO_WIDTH = 96


@dataclass
class ExportOptions:
    """Scene, destination and choices of one export. ``None`` takes the scene setting or default."""

    destination: pathlib.Path
    scene: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    shot_channels: list[int] = field(default_factory=list)
    sequence_source: str | None = None
    sequence_pattern: str | None = None
    video: bool = True
    previews: bool = True
    video_width: int = 1280
    bundle: bool = False
    client_dir: pathlib.Path | None = None
    strict: bool = False
