"""Completeness checks of a staged export before it is published.

The staged tree is laid out like the destination (``data/projects/<pid>/...``), so
every site path stored in the JSON files resolves against the staging root exactly
as it will resolve against ``DEST`` after publishing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import urlsplit

from .errors import ExportFailed, WatchtowerError

REQUIRED_JSON_FILES = (
    "project.json",
    "sequences.json",
    "shots.json",
    "assets.json",
    "casting.json",
    "edit.json",
)

VideoFrameCounter = Callable[[Path], int]


def project_folder(project_id: str) -> PurePosixPath:
    """Return the site path of a project's folder, ``data/projects/<pid>``."""
    return PurePosixPath("data", "projects", project_id)


def list_preview_path(project_id: str) -> PurePosixPath:
    """Return the site path of a project's project-list preview."""
    return PurePosixPath("data", "projects-list", "previews", project_id[:2], f"{project_id}.png")


def check_staged_export(
    root: Path,
    project_id: str,
    list_item: Mapping[str, Any],
    expected_total_frames: int | None = None,
    count_video_frames: VideoFrameCounter | None = None,
) -> None:
    """Raise ExportFailed unless the export staged under ``root`` is complete.

    Checks that the six project JSON files exist and parse, that ``project.json`` and
    the list item carry ``project_id``, that every ``thumbnailUrl`` and a local edit
    ``sourceName`` is a relative site path to a file inside ``root``, that
    ``totalFrames`` matches ``expected_total_frames`` and the decoded frame count, and
    that ``root`` contains nothing outside the project folder and its list preview.

    Raises:
        ExportFailed: the message starts with the site path of the offending file.
    """
    documents = {name: _load_json(root, project_id, name) for name in REQUIRED_JSON_FILES}
    _check_ids(documents["project.json"], list_item, project_id)
    for name, document in documents.items():
        _check_thumbnail_urls(root, _site_path(project_id, name), document)
    _check_thumbnail_urls(root, "the project-list item", list_item)
    _check_edit(root, project_id, documents["edit.json"], expected_total_frames, count_video_frames)
    _check_no_foreign_files(root, project_id)


def _site_path(project_id: str, name: str) -> str:
    return str(project_folder(project_id) / name)


def _load_json(root: Path, project_id: str, name: str) -> Any:
    site_path = _site_path(project_id, name)
    try:
        text = (root / site_path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExportFailed(f"{site_path} is missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ExportFailed(f"{site_path} cannot be read: {error}") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ExportFailed(f"{site_path} is not valid JSON: {error}") from error


def _check_ids(project: Any, list_item: Mapping[str, Any], project_id: str) -> None:
    if not isinstance(project, dict) or project.get("id") != project_id:
        found = project.get("id") if isinstance(project, dict) else type(project).__name__
        raise ExportFailed(
            f"{_site_path(project_id, 'project.json')} has id {found!r}, expected {project_id!r}"
        )
    if list_item.get("id") != project_id:
        raise ExportFailed(
            f"the project-list item has id {list_item.get('id')!r}, expected {project_id!r}"
        )


def _check_thumbnail_urls(root: Path, where: str, document: Any) -> None:
    for value in _values_of_key(document, "thumbnailUrl"):
        if value is None:
            continue
        problem = site_path_problem(root, value)
        if problem:
            raise ExportFailed(f"{where}: thumbnailUrl {value!r} {problem}")


def _values_of_key(document: Any, key: str) -> Iterator[Any]:
    if isinstance(document, dict):
        for name, value in document.items():
            if name == key:
                yield value
            else:
                yield from _values_of_key(value, key)
    elif isinstance(document, list):
        for value in document:
            yield from _values_of_key(value, key)


def site_path_problem(root: Path, value: Any) -> str:
    """Describe why ``value`` is not a site path to a file inside ``root``, or return "".

    A site path is relative to the site root: forward slashes, no leading slash, no
    drive, no empty, ``.`` or ``..`` segment, and no symbolic link leading out of
    ``root``.
    """
    if not isinstance(value, str) or not value:
        return "is not a non-empty string"
    if len(urlsplit(value).scheme) > 1:
        return "is a URL; it must be a path to a file of the export"
    if "\\" in value:
        return "contains a backslash; site paths use forward slashes"
    if value.startswith("/") or PureWindowsPath(value).drive:
        return "is absolute; site paths are relative to the site root"
    if any(part in ("", ".", "..") for part in value.split("/")):
        return "contains an empty, '.' or '..' segment"
    resolved = root.joinpath(*value.split("/")).resolve()
    if not resolved.is_relative_to(root.resolve()):
        return "leads outside the export through a symbolic link"
    if not resolved.is_file():
        return "points to a missing file"
    return ""


def _check_edit(
    root: Path,
    project_id: str,
    edit: Any,
    expected_total_frames: int | None,
    count_video_frames: VideoFrameCounter | None,
) -> None:
    where = _site_path(project_id, "edit.json")
    if not isinstance(edit, dict):
        raise ExportFailed(f"{where} is not a JSON object")
    total_frames = edit.get("totalFrames")
    if not isinstance(total_frames, int) or isinstance(total_frames, bool) or total_frames < 0:
        raise ExportFailed(f"{where}: totalFrames {total_frames!r} is not a whole number >= 0")
    if expected_total_frames is not None and total_frames != expected_total_frames:
        raise ExportFailed(
            f"{where}: totalFrames is {total_frames}, expected {expected_total_frames}"
        )
    source_name = edit.get("sourceName")
    if not _is_local_source(source_name):
        return
    problem = site_path_problem(root, source_name)
    if problem:
        raise ExportFailed(f"{where}: sourceName {source_name!r} {problem}")
    if count_video_frames is not None and isinstance(source_name, str):
        _check_video_frame_count(root, source_name, total_frames, count_video_frames)


def _is_local_source(source_name: Any) -> bool:
    # No video (--no-video) leaves sourceName empty; a URL with a scheme is hosted elsewhere.
    # A one-letter scheme is a Windows drive, which site_path_problem then rejects.
    if source_name is None or source_name == "":
        return False
    return not (isinstance(source_name, str) and len(urlsplit(source_name).scheme) > 1)


def _check_video_frame_count(
    root: Path, source_name: str, total_frames: int, count_video_frames: VideoFrameCounter
) -> None:
    video = root.joinpath(*source_name.split("/"))
    try:
        frame_count = count_video_frames(video)
    except WatchtowerError:
        raise
    except Exception as error:  # the counter decodes with a foreign library (PyAV)
        raise ExportFailed(f"{source_name} cannot be decoded: {error}") from error
    if frame_count != total_frames:
        raise ExportFailed(
            f"{source_name} has {frame_count} frames but edit.json totalFrames is {total_frames}"
        )


def _check_no_foreign_files(root: Path, project_id: str) -> None:
    # Only the project folder and its list preview are published, so anything else in
    # the staging root (a stray index.json, another project's files) is an exporter bug.
    allowed_folder = root.joinpath(*project_folder(project_id).parts)
    allowed_file = root.joinpath(*list_preview_path(project_id).parts)
    for path in _walk_outside(root, allowed_folder):
        if path != allowed_file:
            raise ExportFailed(
                f"{path.relative_to(root).as_posix()} is outside the project folder; only "
                f"{project_folder(project_id)}/ and {list_preview_path(project_id)} are published"
            )


def _walk_outside(folder: Path, excluded: Path) -> Iterator[Path]:
    for entry in folder.iterdir():
        if entry == excluded:
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk_outside(entry, excluded)
        else:
            yield entry
