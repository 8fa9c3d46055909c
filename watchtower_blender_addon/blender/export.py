"""Export one scene: describe it, render into a staging folder, write JSON, publish."""

from __future__ import annotations

import logging
import pathlib
from dataclasses import dataclass, field
from typing import Any

from ..core import publish, writers
from ..core.edit_project import (
    PROJECT_PREVIEW_SIZE,
    SHOT_PREVIEW_SIZE,
    EditDescription,
    EditWriter,
    item_preview_path,
    project_preview_path,
    shot_id,
)
from ..core.errors import InputError, Interrupted
from ..core.fileops import link_or_copy
from ..core.mp4 import count_video_frames
from ..core.options import ExportOptions
from ..core.progress import Progress
from . import render, scene_reader
from .describe import describe_scene
from .tracker_images import drop_tracker_images, write_tracker_images

log = logging.getLogger(__name__)


@dataclass
class ExportResult:
    """Summary of an export, for the last line of the command line and the operator's report."""

    project_id: str
    project_name: str
    destination: pathlib.Path
    shot_count: int
    total_frames: int
    warnings: list[str] = field(default_factory=list)
    bundle: pathlib.Path | None = None


def export_scene(
    options: ExportOptions,
    progress: Progress | None = None,
    checkpoint: publish.Checkpoint | None = None,
) -> ExportResult:
    """Export the scene named in ``options`` (or the active one) to ``options.destination``.

    The previous export of the same project stays published until the new one is
    complete and checked. Render settings and the current frame are restored and the
    .blend file is not written. ``checkpoint``, if given, is called with the name of
    each publish step as it is reached (see ``publish.ProjectStaging``). Tests use it
    to interrupt an export at a known point.

    Raises:
        InputError: unknown scene, nothing to export, invalid option or, with
            ``options.strict``, a strip whose media is missing.
        ExportFailed: rendering or writing failed.
    """
    progress = progress or Progress()
    scene = scene_reader.find_scene(options.scene)
    description, warnings = describe_scene(scene, options)
    warnings += _check_media(scene, options)
    for warning in warnings:
        progress.warning(warning)
    client_dir = _find_client(options)
    destination = writers.prepare_destination(options.destination)

    _publish(scene, description, options, destination, progress, checkpoint)
    result = ExportResult(
        project_id=description.project_id,
        project_name=description.project_name,
        destination=destination,
        shot_count=len(description.shots),
        total_frames=description.frame_range.total_frames,
        warnings=warnings,
    )
    if client_dir is not None:
        result.bundle = _bundle(destination, client_dir, description.project_id, progress)
    return result


def _publish(
    scene: Any,
    description: EditDescription,
    options: ExportOptions,
    destination: pathlib.Path,
    progress: Progress,
    checkpoint: publish.Checkpoint | None,
) -> None:
    """Render and write the project into a staging folder, check it and swap it in."""
    writer = EditWriter(description)
    with (
        publish.termination_as_exception(),
        publish.ProjectStaging(destination, description.project_id, checkpoint=checkpoint) as stage,
    ):
        root = pathlib.Path(stage.root)
        staging_dir = stage.staging_dir

        def remove_staging() -> None:
            if staging_dir is not None:
                publish.remove_staging_dir(staging_dir)

        has_video = _write_video(
            scene, description, options, root, destination, progress, remove_staging
        )
        _write_previews(scene, description, options, root, progress)
        _write_tracker_images(description, options, root, progress)
        writer.write_project(root, has_video=has_video)
        progress.step("Publishing")
        stage.commit(
            writer.project_list_item().to_dict(),
            expected_total_frames=description.frame_range.total_frames if has_video else None,
            count_video_frames=count_video_frames if has_video else None,
        )


def _write_tracker_images(
    description: EditDescription, options: ExportOptions, root: pathlib.Path, progress: Progress
) -> None:
    if options.previews:
        write_tracker_images(description.tracker, root, description.project_id, progress)
    else:
        drop_tracker_images(description.tracker)


def _check_media(scene: Any, options: ExportOptions) -> list[str]:
    problems = scene_reader.media_problems(scene.sequence_editor)
    if problems and options.strict:
        raise InputError(f"{scene_reader.blend_label()}: {problems[0]} (--strict)")
    return problems


def _find_client(options: ExportOptions) -> pathlib.Path | None:
    """Locate the web client before any rendering, so that a missing one fails fast."""
    if not options.bundle:
        return None
    from ..core.bundle import find_client_dir

    return find_client_dir(options.client_dir)


def _bundle(
    destination: pathlib.Path, client_dir: pathlib.Path, project_id: str, progress: Progress
) -> Any:
    from ..core.bundle import bundle_site

    try:
        return bundle_site(destination, client_dir=client_dir, progress=progress)
    except (KeyboardInterrupt, SystemExit):
        raise Interrupted(
            f"bundling interrupted: project {project_id} is published in {destination}/data, "
            f"but {destination}/watchtower was not updated; export again with --bundle"
        ) from None


def _project_folder(root: pathlib.Path, project_id: str) -> pathlib.Path:
    return root / "data" / "projects" / project_id


def _write_video(
    scene: Any,
    description: EditDescription,
    options: ExportOptions,
    root: pathlib.Path,
    destination: pathlib.Path,
    progress: Progress,
    on_interrupt: Any,
) -> bool:
    """Render edit.mp4 into the staging folder, or reuse the published one with --no-video.

    Returns whether the staged project has a video of the right length.
    """
    target = _project_folder(root, description.project_id) / "edit.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    if options.video:
        editor = scene.sequence_editor
        settings = render.VideoSettings(
            max_width=options.video_width,
            with_audio=scene_reader.has_audible_sound(editor, scene.frame_start, scene.frame_end),
        )
        render.render_edit_video(scene, str(target), settings, progress, on_interrupt)
        return True
    return _reuse_published_video(description, destination, target, progress)


def _reuse_published_video(
    description: EditDescription,
    destination: pathlib.Path,
    target: pathlib.Path,
    progress: Progress,
) -> bool:
    published = _project_folder(destination, description.project_id) / "edit.mp4"
    if not published.is_file():
        progress.warning("--no-video: no published edit.mp4 to keep; the site shows no video")
        return False
    if count_video_frames(published) != description.frame_range.total_frames:
        progress.warning(
            f"--no-video: the published edit.mp4 does not have "
            f"{description.frame_range.total_frames} frames; the site shows no video"
        )
        return False
    link_or_copy(published, target)
    return True


def _write_previews(
    scene: Any,
    description: EditDescription,
    options: ExportOptions,
    root: pathlib.Path,
    progress: Progress,
) -> None:
    if not options.previews:
        return
    project_id = description.project_id
    jobs = []
    for shot in description.shots:
        path = root / item_preview_path(project_id, shot_id(project_id, shot.name))
        jobs.append(_preview_job(description, shot.middle_frame, path, SHOT_PREVIEW_SIZE))
    # The project's thumbnail is the middle shot's picture.
    middle_shot = description.shots[len(description.shots) // 2]
    project_path = root / project_preview_path(project_id)
    jobs.append(
        _preview_job(description, middle_shot.middle_frame, project_path, PROJECT_PREVIEW_SIZE)
    )
    render.render_previews(scene, jobs, options.video_width, progress)


def _preview_job(
    description: EditDescription, frame: int, path: pathlib.Path, size: tuple[int, int]
) -> render.PreviewJob:
    absolute_frame = description.frame_range.start + frame
    return render.PreviewJob(absolute_frame, str(path), size[0], size[1])
