"""Render edit.mp4 and the preview images with Blender's own renderer.

Every setting changed here is changed inside ``preserved_scene_state``, which puts the
render settings, the frame range and the current frame back afterwards, also when the
render fails. Nothing here saves the .blend file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
from array import array
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import bpy

from ..core.errors import ExportFailed
from ..core.frames import fit_inside, video_scale_percentage
from ..core.progress import Progress
from . import compat

# Nested settings structs of ``scene.render`` that the exporter changes.
_RENDER_STRUCTS = ('image_settings', 'ffmpeg')
# Properties to restore before the others: setting them resets their dependants.
_RESTORE_FIRST = ('media_type', 'file_format')


@dataclass(frozen=True)
class VideoSettings:
    max_width: int = 1280
    with_audio: bool = True


@dataclass(frozen=True)
class PreviewJob:
    """One preview: the absolute scene frame, the PNG to write and its exact size."""

    frame: int
    path: str
    width: int
    height: int


def _writable_properties(struct: Any) -> list[str]:
    names = []
    for prop in struct.bl_rna.properties:
        if prop.identifier == 'rna_type' or prop.is_readonly:
            continue
        if prop.type in {'POINTER', 'COLLECTION'}:
            continue
        names.append(prop.identifier)
    first = [name for name in _RESTORE_FIRST if name in names]
    return first + [name for name in names if name not in _RESTORE_FIRST]


def _snapshot(struct: Any) -> dict[str, Any]:
    values = {}
    for name in _writable_properties(struct):
        value = getattr(struct, name)
        # Arrays (colours, vectors) are copied so that later changes don't show through.
        is_array = hasattr(value, '__len__') and not isinstance(value, str)
        values[name] = tuple(value) if is_array else value
    return values


def _restore(struct: Any, values: dict[str, Any]) -> None:
    # Two passes: a value rejected in the first pass (an enum item that only exists once
    # another property is set) is accepted in the second.
    for _ in range(2):
        for name, value in values.items():
            current = getattr(struct, name)
            if (tuple(current) if isinstance(value, tuple) else current) == value:
                continue
            with contextlib.suppress(AttributeError, TypeError, ValueError):
                setattr(struct, name, value)


@contextlib.contextmanager
def preserved_scene_state(scene: Any) -> Iterator[None]:
    """Restore the scene's render settings, frame range and current frame on exit."""
    structs = [scene.render] + [getattr(scene.render, name) for name in _RENDER_STRUCTS]
    snapshots = [(struct, _snapshot(struct)) for struct in structs]
    frames = (scene.frame_start, scene.frame_end, scene.frame_current)
    try:
        yield
    finally:
        for struct, values in snapshots:
            _restore(struct, values)
        scene.frame_start, scene.frame_end = frames[0], frames[1]
        scene.frame_current = frames[2]


def _configure_picture(scene: Any, max_width: int) -> None:
    render = scene.render
    render.use_sequencer = True
    render.resolution_percentage = video_scale_percentage(
        render.resolution_x, render.resolution_y, max_width
    )


def configure_video(scene: Any, path: str, settings: VideoSettings) -> None:
    render = scene.render
    _configure_picture(scene, settings.max_width)
    render.filepath = path
    render.use_file_extension = False
    compat.set_file_format(render.image_settings, 'FFMPEG')
    render.image_settings.color_mode = 'RGB'
    ffmpeg = render.ffmpeg
    ffmpeg.format = 'MPEG4'
    ffmpeg.codec = 'H264'
    ffmpeg.constant_rate_factor = 'MEDIUM'
    ffmpeg.ffmpeg_preset = 'GOOD'
    # A keyframe every second keeps seeking in the browser quick.
    ffmpeg.gopsize = max(1, round(render.fps / render.fps_base))
    ffmpeg.use_max_b_frames = False
    ffmpeg.audio_codec = 'AAC' if settings.with_audio else 'NONE'
    if settings.with_audio:
        ffmpeg.audio_channels = 'STEREO'
        ffmpeg.audio_mixrate = 48000
        ffmpeg.audio_bitrate = 192


@contextlib.contextmanager
def _frame_counter(progress: Progress, total: int) -> Iterator[list[int]]:
    """Report each written frame to ``progress``; yields a one-item list of the count."""
    done = [0]

    def on_frame_written(*_args: Any) -> None:
        done[0] += 1
        progress.update(done[0], total)

    handlers = bpy.app.handlers.render_write
    handlers.append(on_frame_written)
    try:
        yield done
    finally:
        handlers.remove(on_frame_written)


@contextlib.contextmanager
def exit_on_signal(cleanup: Callable[[], None]) -> Iterator[None]:
    """End the process at once on SIGINT or SIGTERM, after ``cleanup``, while the block runs.

    Blender's render loop catches exceptions raised in Python callbacks and goes on
    rendering, so an exception cannot stop it. The handler runs at the next Python
    callback, which is the per-frame progress. It removes the staging folder through
    ``cleanup`` and exits, so the published export and the .blend file are untouched. Outside the
    main thread, where Python cannot set handlers, the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: Any) -> None:
        cleanup()
        # os._exit skips Blender's own clean-up of its session folder.
        shutil.rmtree(bpy.app.tempdir, ignore_errors=True)
        print(
            "error: export interrupted; the previous export is unchanged",
            file=sys.stderr,
            flush=True,
        )
        os._exit(128 + signum)

    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not None:
            previous[signum] = signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def render_edit_video(
    scene: Any,
    path: str,
    settings: VideoSettings,
    progress: Progress,
    on_interrupt: Callable[[], None] = lambda: None,
) -> None:
    """Render the scene's sequencer over the scene range to an H.264 MP4 at ``path``.

    ``on_interrupt`` runs before the process exits on SIGINT or SIGTERM during the render.
    """
    total = scene.frame_end - scene.frame_start + 1
    progress.step(f"Rendering edit.mp4 ({total} frames)")
    with preserved_scene_state(scene):
        configure_video(scene, path, settings)
        with _frame_counter(progress, total) as written, exit_on_signal(on_interrupt):
            result = _render(animation=True, scene=scene.name)
    if 'CANCELLED' in result or written[0] < total:
        # A Blender binary handles Ctrl+C itself by stopping the render early.
        raise KeyboardInterrupt(f"rendering stopped after {written[0]} of {total} frames")
    if 'FINISHED' not in result or not os.path.isfile(path):
        raise ExportFailed(f"scene '{scene.name}': rendering edit.mp4 failed")


def render_previews(scene: Any, jobs: list[PreviewJob], max_width: int, progress: Progress) -> None:
    """Render each job's frame and write it letterboxed into a PNG of the job's size."""
    progress.step("Writing previews")
    with tempfile.TemporaryDirectory(prefix="watchtower-frames-") as folder:
        with preserved_scene_state(scene):
            _configure_picture(scene, max_width)
            scene.render.use_file_extension = False
            compat.set_file_format(scene.render.image_settings, 'PNG')
            scene.render.image_settings.color_mode = 'RGB'
            written = 0
            for frame in sorted({job.frame for job in jobs}):
                frame_path = os.path.join(folder, f"{frame}.png")
                _render_still(scene, frame, frame_path)
                for job in jobs:
                    if job.frame == frame:
                        write_letterboxed(frame_path, job.path, job.width, job.height)
                        written += 1
                progress.update(written, len(jobs))


def render_operator() -> Any:
    """Return Blender's render operator (a function, so that tests can make it fail)."""
    return bpy.ops.render.render


def _render(**options: Any) -> set[str]:
    """Run Blender's render operator and return its result, such as {'FINISHED'}.

    Raises:
        ExportFailed: Blender reported an error, such as a full disk or an unwritable file.
    """
    try:
        return set(render_operator()(**options))
    except RuntimeError as error:
        reason = " ".join(str(error).replace("Error:", "").split())
        raise ExportFailed(f"scene '{options.get('scene')}': rendering failed: {reason}") from None


def _render_still(scene: Any, frame: int, path: str) -> None:
    scene.frame_current = frame
    scene.render.filepath = path
    result = _render(write_still=True, scene=scene.name)
    if 'FINISHED' not in result or not os.path.isfile(path):
        raise ExportFailed(f"scene '{scene.name}': rendering frame {frame} failed")


def write_letterboxed(source: str, target: str, width: int, height: int) -> None:
    """Write ``source`` scaled to fit ``width`` x ``height`` on black, as a PNG at ``target``."""
    image: Any = bpy.data.images.load(source, check_existing=False)
    try:
        # Blender loads lazily: an unreadable file only shows as an empty size.
        if image.size[0] == 0 or image.size[1] == 0:
            raise ValueError("not a readable image")
        fit_width, fit_height = fit_inside(image.size[0], image.size[1], width, height)
        image.scale(fit_width, fit_height)
        pixels = array('f', bytes(4 * fit_width * fit_height * 4))
        image.pixels.foreach_get(pixels)
    finally:
        bpy.data.images.remove(image)
    canvas = _paste_centred(pixels, fit_width, fit_height, width, height)
    save_png(canvas, width, height, target)


def _paste_centred(
    pixels: array, fit_width: int, fit_height: int, width: int, height: int
) -> array:
    canvas = array('f', [0.0, 0.0, 0.0, 1.0]) * (width * height)
    left = (width - fit_width) // 2
    bottom = (height - fit_height) // 2
    row_length = fit_width * 4
    for row in range(fit_height):
        start = ((bottom + row) * width + left) * 4
        canvas[start : start + row_length] = pixels[row * row_length : (row + 1) * row_length]
    return canvas


def save_png(pixels: array, width: int, height: int, target: str, alpha: bool = False) -> None:
    """Write RGBA float ``pixels``, bottom row first, as a PNG at ``target``."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    image: Any = bpy.data.images.new("watchtower-preview", width, height, alpha=alpha)
    try:
        image.pixels.foreach_set(pixels)
        image.filepath_raw = target
        image.file_format = 'PNG'
        image.save()
    finally:
        bpy.data.images.remove(image)
