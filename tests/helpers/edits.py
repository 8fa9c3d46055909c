"""Build small edits in the real ``bpy`` module and export them, for the Blender tests."""

from __future__ import annotations

import json
import pathlib
from dataclasses import dataclass
from typing import Any

import bpy

from watchtower_blender_addon.blender import compat
from watchtower_blender_addon.blender.export import ExportResult, export_scene
from watchtower_blender_addon.core.options import ExportOptions

# Small pictures keep the renders quick; both sides are even for H.264.
WIDTH, HEIGHT = 160, 90


def new_scene(
    first: int = 1, last: int = 48, fps: int = 24, fps_base: float = 1.0, sequencer: bool = True
) -> Any:
    """Return the only scene of an empty file, with the given range and frame rate."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.name = "Edit"
    scene.frame_start, scene.frame_end = first, last
    scene.render.fps, scene.render.fps_base = fps, fps_base
    scene.render.resolution_x, scene.render.resolution_y = WIDTH, HEIGHT
    scene.render.resolution_percentage = 100
    scene.view_settings.view_transform = 'Standard'
    if sequencer:
        scene.sequence_editor_create()
    return scene


def add_color(
    scene: Any,
    name: str,
    channel: int,
    start: int,
    length: int,
    color: tuple[float, float, float] = (0.5, 0.5, 0.5),
) -> Any:
    strip = compat.new_effect(scene.sequence_editor, name, 'COLOR', channel, start, length)
    strip.color = color
    return strip


def name_channel(scene: Any, channel: int, name: str) -> None:
    scene.sequence_editor.channels[channel].name = name


@dataclass
class ExportedSite:
    """An export's destination and the parsed JSON of its one project."""

    destination: pathlib.Path
    result: ExportResult

    @property
    def project_dir(self) -> pathlib.Path:
        return self.destination / "data" / "projects" / self.result.project_id

    def read(self, name: str) -> Any:
        return json.loads((self.project_dir / f"{name}.json").read_text(encoding='utf-8'))

    @property
    def shots(self) -> list[dict[str, Any]]:
        return self.read("shots")

    @property
    def sequences(self) -> list[dict[str, Any]]:
        return self.read("sequences")

    def shot(self, name: str) -> dict[str, Any]:
        return next(s for s in self.shots if s['name'] == name)

    def sequence_name_of(self, shot_name: str) -> str:
        names = {s['id']: s['name'] for s in self.sequences}
        return names[self.shot(shot_name)['sequence_id']]


def export(scene: Any, destination: pathlib.Path, **options: Any) -> ExportedSite:
    """Export ``scene`` in this process; options are ExportOptions fields."""
    options.setdefault('scene', scene.name)
    result = export_scene(ExportOptions(destination=destination, **options))
    return ExportedSite(destination, result)


def frame_colors(video: pathlib.Path) -> list[tuple[int, int, int]]:
    """Decode ``video`` and return the colour at the centre of every frame, 0-255."""
    import av

    colors = []
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            picture = frame.to_ndarray(format='rgb24')
            height, width = picture.shape[:2]
            centre = picture[height // 2 - 2 : height // 2 + 2, width // 2 - 2 : width // 2 + 2]
            colors.append(tuple(int(v) for v in centre.reshape(-1, 3).mean(axis=0)))
    return colors


def png_center_color(path: pathlib.Path) -> tuple[int, int, int]:
    """Return the colour at the centre of a PNG file, 0-255, decoded with PyAV."""
    import av

    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    picture = frame.to_ndarray(format='rgb24')
    height, width = picture.shape[:2]
    return tuple(int(v) for v in picture[height // 2, width // 2])


def png_size(path: pathlib.Path) -> tuple[int, int]:
    import av

    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    return frame.width, frame.height


def to_255(color: tuple[float, float, float]) -> tuple[int, int, int]:
    return tuple(round(c * 255) for c in color)


def close_colors(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 12) -> bool:
    """Return whether two colours match within ``tolerance`` per channel (lossy video)."""
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))
