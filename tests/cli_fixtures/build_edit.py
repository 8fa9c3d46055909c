"""Build one small edit for the command-line tests and save it as a .blend file.

    python tests/cli_fixtures/build_edit.py KIND OUTPUT.blend

Runs in its own process so that each command-line test starts from a saved file,
as a user's export does. KIND is one of the names in ``BUILDERS``. Every edit is
160x90 at 24 fps over frames 1..48 unless its builder states otherwise.
"""

from __future__ import annotations

import math
import os
import struct
import sys
import wave
from collections.abc import Callable
from typing import Any

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [TESTS_DIR, os.path.dirname(TESTS_DIR)]

import bpy  # noqa: E402
from helpers.edits import add_color, new_scene  # noqa: E402

from watchtower_blender_addon.blender import compat  # noqa: E402

SHOT_NAMES = ('sh010', 'sh020', 'sh030')


def add_three_shots(scene: Any) -> None:
    """Add colour strips sh010 (1-16), sh020 (17-32) and sh030 (33-48) on channel 2."""
    for index, name in enumerate(SHOT_NAMES):
        add_color(scene, name, 2, 1 + 16 * index, 16, (0.25 * (index + 1), 0.3, 0.6))


def build_good(folder: str) -> None:
    """Three shots in the scene "Edit", and a second scene "Empty" without a sequencer."""
    scene = new_scene()
    add_three_shots(scene)
    bpy.data.scenes.new("Empty")


def build_no_sequencer(folder: str) -> None:
    """The only scene "Edit" has no sequence editor at all."""
    # sequence_editor_clear() crashes bpy 5.0.1 in background mode, so the
    # editor is never created instead.
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.context.scene.name = "Edit"


def build_sound_only(folder: str) -> None:
    """The sequencer contains one sound strip and nothing with a picture."""
    scene = new_scene()
    tone = os.path.join(folder, "tone.wav")
    write_tone(tone, seconds=2.0)
    compat.strips_of(scene.sequence_editor).new_sound(
        name="Tone", filepath=tone, channel=1, frame_start=1
    )


def build_outside_range(folder: str) -> None:
    """Colour strips exist, but all of them lie after the scene range 1..48."""
    scene = new_scene()
    for index, name in enumerate(SHOT_NAMES):
        add_color(scene, name, 2, 100 + 16 * index, 16)


def build_missing_movie(folder: str) -> None:
    """Shots sh010 and sh030 are colour strips and 'plate_sh020' is a movie strip.

    The movie file is written, added and then deleted after saving, so the saved
    file refers to a movie that does not exist.
    """
    scene = new_scene(last=36)
    movie = os.path.join(folder, "plate.mp4")
    write_movie(movie, frame_count=4)
    add_color(scene, 'sh010', 2, 1, 16)
    strip = compat.strips_of(scene.sequence_editor).new_movie(
        name='plate_sh020', filepath=movie, channel=2, frame_start=17
    )
    add_color(scene, 'sh030', 2, int(strip.frame_final_end), 36 - int(strip.frame_final_end) + 1)


def write_tone(path: str, seconds: float, rate: int = 48000) -> None:
    """Write a quiet 440 Hz mono 16-bit WAV file."""
    samples = (
        int(2000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate))
    )
    with wave.open(path, 'wb') as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(rate)
        output.writeframes(b''.join(struct.pack('<h', s) for s in samples))


def write_movie(path: str, frame_count: int) -> None:
    """Write a 160x90, 24 fps MPEG-4 movie of ``frame_count`` grey frames with PyAV."""
    import av
    import numpy

    with av.open(path, 'w') as container:
        stream = container.add_stream('mpeg4', rate=24)
        stream.width, stream.height, stream.pix_fmt = 160, 90, 'yuv420p'
        for index in range(frame_count):
            picture = numpy.full((90, 160, 3), 40 * index, dtype=numpy.uint8)
            frame = av.VideoFrame.from_ndarray(picture, format='rgb24')
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


BUILDERS: dict[str, Callable[[str], None]] = {
    'good': build_good,
    'no-sequencer': build_no_sequencer,
    'sound-only': build_sound_only,
    'outside-range': build_outside_range,
    'missing-movie': build_missing_movie,
}


def main(kind: str, output: str) -> None:
    output = os.path.abspath(output)
    folder = os.path.dirname(output)
    os.makedirs(folder, exist_ok=True)
    BUILDERS[kind](folder)
    bpy.ops.wm.save_as_mainfile(filepath=output)
    if kind == 'missing-movie':
        os.remove(os.path.join(folder, "plate.mp4"))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
