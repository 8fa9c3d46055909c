"""Render an edit the way a user would by hand: Render > Render Animation, nothing else.

    python scripts/benchmark_plain_render.py EDIT.blend OUTPUT.mp4 MAX_WIDTH

The output settings are the exporter's own (H.264 MP4, same size and audio), so the
benchmark compares the export with exactly the render it cannot avoid.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import bpy  # noqa: E402

from watchtower_blender_addon.blender import render, scene_reader  # noqa: E402


def main(blend: str, output: str, max_width: int) -> None:
    bpy.ops.wm.open_mainfile(filepath=blend, load_ui=False)
    scene = bpy.context.scene
    editor = scene.sequence_editor
    settings = render.VideoSettings(
        max_width=max_width,
        with_audio=scene_reader.has_audible_sound(editor, scene.frame_start, scene.frame_end),
    )
    render.configure_video(scene, output, settings)
    bpy.ops.render.render(animation=True, scene=scene.name)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
