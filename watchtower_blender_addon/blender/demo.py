"""Build the demo edit in code: a dozen shots in three sequences, NTSC film rate.

Each shot is a colour strip of its own colour on the "Shots" channel, with a text
strip above it showing the shot's name; a generated tone plays under the whole edit.
The scene range starts at frame 101, as many productions' edits do.
"""

from __future__ import annotations

import colorsys
import math
import os
import struct
import wave
from dataclasses import dataclass
from typing import Any

import bpy

from . import compat

FIRST_FRAME = 101
RESOLUTION = (1280, 720)
AUDIO_RATE = 48000


@dataclass(frozen=True)
class DemoShot:
    name: str
    length: int
    color: tuple[float, float, float]


def demo_shots() -> list[DemoShot]:
    """Return the demo's shots in timeline order, each with a distinct saturated colour."""
    layout = [("SQ010", [40, 26, 33, 48]), ("SQ020", [24, 52, 30, 37, 29]), ("SQ030", [45, 1, 60])]
    count = sum(len(lengths) for _, lengths in layout)
    shots: list[DemoShot] = []
    for sequence, lengths in layout:
        for number, length in enumerate(lengths, start=1):
            hue = len(shots) / count
            color = colorsys.hsv_to_rgb(hue, 0.85, 0.9)
            shots.append(DemoShot(f"{sequence}_SH{number * 10:03d}", length, color))
    return shots


def write_tone(path: str, seconds: float) -> None:
    """Write a quiet 440 Hz mono tone of ``seconds`` as a 16-bit WAV file."""
    frames = int(seconds * AUDIO_RATE)
    samples = (int(3000 * math.sin(2 * math.pi * 440 * i / AUDIO_RATE)) for i in range(frames))
    with wave.open(path, 'wb') as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(AUDIO_RATE)
        output.writeframes(b''.join(struct.pack('<h', s) for s in samples))


def configure_scene(scene: Any, total_frames: int) -> None:
    scene.render.fps = 24
    scene.render.fps_base = 1.001
    scene.render.resolution_x, scene.render.resolution_y = RESOLUTION
    scene.render.resolution_percentage = 100
    scene.frame_start = FIRST_FRAME
    scene.frame_end = FIRST_FRAME + total_frames - 1
    # The standard view transform keeps the strips' colours as they are in the video.
    scene.view_settings.view_transform = 'Standard'


def add_shot_strips(editor: Any, shots: list[DemoShot]) -> None:
    frame = FIRST_FRAME
    for shot in shots:
        color = compat.new_effect(editor, shot.name, 'COLOR', 2, frame, shot.length)
        color.color = shot.color
        title = compat.new_effect(editor, f"{shot.name} title", 'TEXT', 3, frame, shot.length)
        title.text = shot.name
        title.font_size = 60
        title.location = (0.5, 0.12)
        frame += shot.length


SHOT_TASK_TYPES = [
    ("Storyboard", (0.26, 0.63, 0.28)),
    ("Layout", (0.49, 0.70, 0.26)),
    ("Animation", (0.98, 0.66, 0.15)),
    ("Lighting", (0.61, 0.80, 0.40)),
    ("Compositing", (0.40, 0.47, 0.85)),
]
ASSET_TASK_TYPES = [("Modeling", (0.47, 0.56, 0.61)), ("Shading", (0.39, 0.71, 0.96))]
STATUSES = [
    ("Todo", (0.55, 0.55, 0.55)),
    ("WIP", (1.0, 0.6, 0.0)),
    ("Review", (0.2, 0.5, 1.0)),
    ("Done", (0.3, 0.8, 0.3)),
    ("Retake", (0.9, 0.2, 0.2)),
]
TEAM = [
    ("Ada Lindqvist", (0.8, 0.3, 0.3)),
    ("Cy Okafor", (0.3, 0.6, 0.8)),
    ("Mei Tanaka", (0.5, 0.7, 0.3)),
]
ASSETS = [
    ("Rex", "Character", (0.9, 0.5, 0.2)),
    ("Lamp", "Prop", (0.9, 0.9, 0.4)),
    ("Kitchen", "Set", (0.4, 0.3, 0.6)),
]


def write_swatch(path: str, color: tuple[float, float, float], size: int = 64) -> None:
    """Write a square PNG of one colour, used as the demo's avatars and asset pictures."""
    image: Any = bpy.data.images.new("demo-swatch", size, size)
    try:
        image.pixels.foreach_set([*color, 1.0] * (size * size))
        image.filepath_raw = path
        image.file_format = 'PNG'
        image.save()
    finally:
        bpy.data.images.remove(image)


def add_tracker_data(scene: Any, shots: list[DemoShot], folder: str) -> None:
    """Store task types, statuses, team, assets, and each shot's tasks and casting.

    The data is written as plain ID properties in the layout the add-on stores, so the
    demo builds in any Blender without the add-on registered.
    """

    def swatch(name: str, color: tuple[float, float, float]) -> str:
        path = os.path.join(folder, f"{name.lower().replace(' ', '-')}.png")
        write_swatch(path, color)
        return path

    task_types = [{'name': n, 'color': c, 'for_shots': 1} for n, c in SHOT_TASK_TYPES]
    task_types += [{'name': n, 'color': c, 'for_shots': 0} for n, c in ASSET_TASK_TYPES]
    scene['watchtower'] = {
        'task_types': task_types,
        'task_statuses': [{'name': n, 'color': c} for n, c in STATUSES],
        'team': [{'name': n, 'avatar': swatch(n, c)} for n, c in TEAM],
        'asset_types': [{'name': kind} for kind in ("Character", "Prop", "Set")],
        'assets': [
            {
                'name': n,
                'asset_type': kind,
                'thumbnail_source': 'FILE',
                'thumbnail_path': swatch(n, c),
                'tasks': [{'task_type': 'Modeling', 'status': 'Done'}],
            }
            for n, kind, c in ASSETS
        ],
    }
    strips = compat.strips_of(scene.sequence_editor)
    for index, shot in enumerate(shots):
        strips[shot.name]['watchtower'] = {
            'tasks': _demo_tasks(index, len(shots)),
            'cast': [{'name': ASSETS[i % len(ASSETS)][0]} for i in range(index % 3 + 1)],
        }


def _demo_tasks(index: int, count: int) -> list[dict[str, Any]]:
    """Return a shot's tasks: earlier shots are further along the pipeline."""
    progress = len(SHOT_TASK_TYPES) * (count - index) / count
    tasks = []
    for step, (task_type, _color) in enumerate(SHOT_TASK_TYPES):
        status = "Todo"
        if step < progress:
            status = "WIP"
        if step < progress - 1:
            status = "Done"
        if index == 5 and step == 1:
            status = "Retake"
        assignee = TEAM[(index + step) % len(TEAM)][0]
        tasks.append({'task_type': task_type, 'status': status, 'assignees': [{'name': assignee}]})
    return tasks


def build_demo(folder: str) -> str:
    """Build the demo edit in a new file and save it as ``folder``/demo-edit.blend.

    Returns the path of the saved file.
    """
    os.makedirs(folder, exist_ok=True)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene: Any = bpy.context.scene
    scene.name = "Demo edit"
    shots = demo_shots()
    total = sum(shot.length for shot in shots)
    configure_scene(scene, total)

    editor = scene.sequence_editor_create()
    if hasattr(editor, 'channels'):
        editor.channels[2].name = "Shots"
        editor.channels[3].name = "Titles"
    add_shot_strips(editor, shots)
    add_tracker_data(scene, shots, os.path.abspath(folder))
    if compat.has_audio():
        tone = os.path.join(os.path.abspath(folder), "tone.wav")
        write_tone(tone, total * 1.001 / 24)
        compat.strips_of(editor).new_sound(
            name="Tone", filepath=tone, channel=1, frame_start=FIRST_FRAME
        )
    path = os.path.join(os.path.abspath(folder), "demo-edit.blend")
    bpy.ops.wm.save_as_mainfile(filepath=path)
    return path
