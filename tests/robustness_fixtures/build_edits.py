"""Build the .blend files of the interruption tests and save them in FOLDER.

    python tests/robustness_fixtures/build_edits.py FOLDER

Writes ``short.blend`` (160x90, frames 1-12, three colour shots of 4 frames) and
``long.blend`` (640x360, frames 1-1200, 80 colour shots of 15 frames). The long edit
takes seconds to render and to preview, so a test can signal the export while it is
in either step.
"""

from __future__ import annotations

import os
import sys

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.dirname(TESTS_DIR)]

import bpy  # noqa: E402

from tests.helpers.edits import add_color, new_scene  # noqa: E402

LONG_SHOT_COUNT = 80
LONG_SHOT_LENGTH = 15


def build_short() -> None:
    scene = new_scene(1, 12)
    for index in range(3):
        add_color(scene, f"short{index}", 1, 1 + 4 * index, 4, (0.2 + 0.3 * index, 0.4, 0.6))


def build_long() -> None:
    scene = new_scene(1, LONG_SHOT_COUNT * LONG_SHOT_LENGTH)
    scene.render.resolution_x, scene.render.resolution_y = 640, 360
    for index in range(LONG_SHOT_COUNT):
        color = (index / LONG_SHOT_COUNT, 0.5, 1 - index / LONG_SHOT_COUNT)
        start = 1 + LONG_SHOT_LENGTH * index
        add_color(scene, f"long{index:03d}", 1, start, LONG_SHOT_LENGTH, color)


def main(folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    for name, build in (("short", build_short), ("long", build_long)):
        build()
        bpy.ops.wm.save_as_mainfile(filepath=os.path.join(os.path.abspath(folder), f"{name}.blend"))


if __name__ == '__main__':
    main(sys.argv[1])
