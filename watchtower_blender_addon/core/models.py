"""Watchtower data models: what each JSON file of a Watchtower site contains.

The classes keep the names, attributes and defaults of the ``watchtower_pipeline``
1.0.0b0 models, so that writers built for that library work with this package.
Differences on purpose:

- Every model is keyword-only. The library's positional order differs from its
  documentation (``Task`` takes the status first, the documentation puts ``id``
  first), so positional calls would silently fill the wrong field.
- ``to_dict()`` returns the JSON of the model, keys in field order. Team entries
  carry ``full_name`` as well as ``name``, because the web client reads
  ``full_name``.
- A thumbnail path is stored with forward slashes on every system.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import pathlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from . import media

log = logging.getLogger(__name__)

PathLike = str | pathlib.PurePath


def to_json_value(value: Any) -> Any:
    """Convert a model, or a list or dict of them, to plain JSON values."""
    if hasattr(value, 'to_dict'):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json_value(item) for key, item in value.items()}
    return value


def fields_to_dict(instance: Any) -> dict[str, Any]:
    """Return the dataclass fields of ``instance`` as JSON values, in field order."""
    return {
        item.name: to_json_value(getattr(instance, item.name))
        for item in dataclasses.fields(instance)
    }


def new_uuid() -> str:
    return str(uuid.uuid4())


class IdMixin:
    """Gives a model a random UUID4 ``id`` when none is given."""

    id: str | None

    @staticmethod
    def get_new_uuid() -> str:
        return new_uuid()

    def __post_init__(self) -> None:
        self.id = self.id or self.get_new_uuid()


class StaticPreviewMixin:
    """Turns a thumbnail given as an http(s) URL into a file of the site.

    A URL is downloaded to ``data/<path>/<md5[:2]>/<md5>.png``, where md5 is the hex
    digest of the URL, and ``thumbnailUrl`` becomes that site-relative path. A value
    without a URL scheme is taken as a path already inside the site and left as is.
    """

    name: str
    thumbnailUrl: str | None

    @staticmethod
    def hash_filename(name: str) -> str:
        # MD5 names the file after its URL; it is not used for security.
        return hashlib.md5(name.encode('utf-8')).hexdigest()

    @staticmethod
    def generate_preview_file_path(file_id: str, path: PathLike) -> pathlib.PurePosixPath:
        """Return ``data/<path>/<file_id[:2]>/<file_id>.png``.

        The extension is always .png, also for a JPEG body, as in watchtower_pipeline;
        browsers detect the image format from the content.
        """
        folder = pathlib.PurePosixPath(pathlib.PurePath(path).as_posix())
        return pathlib.PurePosixPath('data') / folder / file_id[:2] / f'{file_id}.png'

    def download_and_assign_thumbnail(
        self,
        base_path: PathLike,
        path: PathLike | None = None,
        requests_headers: Mapping[str, str] | None = None,
        force: bool = False,
    ) -> None:
        """Download ``thumbnailUrl`` under ``base_path`` if it is a URL, then point to the file.

        An existing file is kept unless ``force`` is true.

        Raises:
            ExportFailed: the URL is not http(s) or the download failed.
        """
        source_url = self.thumbnailUrl
        if not source_url or not media.is_remote_url(source_url):
            return
        relative_path = self.generate_preview_file_path(self.hash_filename(source_url), path or '')
        destination = pathlib.Path(base_path) / relative_path
        if force or not destination.is_file():
            log.debug("Downloading the thumbnail of %s from %s", self.name, source_url)
            media.fetch_image(source_url, destination, headers=requests_headers)
        self.thumbnailUrl = str(relative_path)


@dataclass(kw_only=True)
class User(StaticPreviewMixin, IdMixin):
    """Member of a project, assigned to tasks."""

    id: str | None = None
    name: str
    thumbnailUrl: str | None = None
    has_avatar: bool = False

    @property
    def full_name(self) -> str:
        return self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            'id': self.id,
            'name': self.name,
            'full_name': self.full_name,
            'thumbnailUrl': self.thumbnailUrl,
            'has_avatar': self.has_avatar,
        }


@dataclass(kw_only=True)
class AssetType(IdMixin):
    """Kind of asset, such as character, prop or set."""

    id: str | None = None
    name: str

    def to_dict(self) -> dict[str, Any]:
        return fields_to_dict(self)


@dataclass(kw_only=True)
class TaskType(IdMixin):
    """Kind of task, such as layout, animation or lighting."""

    id: str | None = None
    name: str
    color: str  # "#RRGGBB"
    for_shots: bool = False

    def to_dict(self) -> dict[str, Any]:
        return fields_to_dict(self)


@dataclass(kw_only=True)
class TaskStatus(IdMixin):
    """State of a task, such as todo, work in progress or done."""

    id: str | None = None
    name: str
    color: str  # "#RRGGBB"

    def to_dict(self) -> dict[str, Any]:
        return fields_to_dict(self)


@dataclass(kw_only=True)
class Project(StaticPreviewMixin, IdMixin):
    """A film or any production with one edit; the content of project.json."""

    id: str | None = None
    name: str
    ratio: str  # display aspect, such as "2.39:1"
    resolution: str  # "<width>x<height>" in pixels
    asset_types: list[AssetType] = field(default_factory=list)
    task_types: list[TaskType] = field(default_factory=list)
    task_statuses: list[TaskStatus] = field(default_factory=list)
    team: list[User] = field(default_factory=list)
    thumbnailUrl: str | None = None
    fps: float = 24

    def to_dict(self) -> dict[str, Any]:
        return fields_to_dict(self)


@dataclass(kw_only=True)
class ProjectListItem(StaticPreviewMixin, IdMixin):
    """Entry of a project in projects-list/index.json."""

    id: str | None = None
    name: str
    thumbnailUrl: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return fields_to_dict(self)


@dataclass(kw_only=True)
class Task(IdMixin):
    """Task of a shot or an asset."""

    id: str | None = None
    task_status_id: str
    task_type_id: str
    assignees: list[str] = field(default_factory=list)  # User ids

    def to_dict(self) -> dict[str, Any]:
        return fields_to_dict(self)


@dataclass(kw_only=True)
class Asset(StaticPreviewMixin, IdMixin):
    """Character, set, prop or any other element cast in shots."""

    id: str | None = None
    name: str
    tasks: list[Task] = field(default_factory=list)
    asset_type_id: str
    thumbnailUrl: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return fields_to_dict(self)


class ShotData(TypedDict):
    """Frame range of a shot in the edit, ``frame_out`` exclusive."""

    frame_in: int
    frame_out: int


@dataclass(kw_only=True)
class Sequence(IdMixin):
    """Group of consecutive shots."""

    id: str | None = None
    name: str

    def to_dict(self) -> dict[str, Any]:
        return fields_to_dict(self)


@dataclass(kw_only=True)
class Shot(StaticPreviewMixin, IdMixin):
    """Shot of the edit; the reference point of tasks and casting.

    ``startFrame`` and ``durationSeconds`` are always computed from ``data`` and
    ``fps``, replacing any value given, as in watchtower_pipeline.
    """

    id: str | None = None
    name: str
    sequence_id: str
    data: ShotData
    tasks: list[Task] = field(default_factory=list)
    startFrame: int = 0
    durationSeconds: float = 0
    thumbnailUrl: str | None = None
    fps: float = 24

    def __post_init__(self) -> None:
        super().__post_init__()
        self.startFrame = int(self.data['frame_in'])
        self.durationSeconds = (int(self.data['frame_out']) - self.startFrame) / self.fps

    def to_dict(self) -> dict[str, Any]:
        return fields_to_dict(self)


@dataclass
class ShotCasting:
    """Assets that appear in a shot."""

    shot: Shot
    assets: list[Asset] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            'shot_id': self.shot.id,
            'asset_ids': [asset.id for asset in self.assets],
        }


@dataclass
class Edit:
    """The cut of the project as one video; the content of edit.json.

    Positional order as in watchtower_pipeline. ``sourceName`` defaults to the
    video's place in the site, ``data/projects/<project id>/edit.mp4``.
    """

    project: Project
    frameOffset: float = 0
    sourceName: str | None = None
    totalFrames: int = 0
    sourceType: str = 'video/mp4'

    def __post_init__(self) -> None:
        if not self.sourceName:
            self.sourceName = f'data/projects/{self.project.id}/edit.mp4'

    def to_dict(self) -> dict[str, Any]:
        return {
            'totalFrames': self.totalFrames,
            'frameOffset': self.frameOffset,
            'sourceName': self.sourceName,
            'sourceType': self.sourceType,
        }
