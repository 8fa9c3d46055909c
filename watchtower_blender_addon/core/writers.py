"""Writers that turn Watchtower models into the JSON files of a site.

Same classes and methods as ``watchtower_pipeline`` 1.0.0b0's writers, with these
rules of this package:

- JSON is deterministic (see :mod:`.jsonio`) and every file is replaced atomically.
- ``data/projects-list/index.json`` is merged: writing some projects keeps the
  entries of the other projects already in the destination.
- A project's files are written before its entry in the index, so the index never
  lists a project whose files are missing.
- Progress goes to an optional :class:`.progress.Progress`; nothing is printed.
"""

from __future__ import annotations

import logging
import os
import pathlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import models
from .errors import ExportFailed, InputError
from .ids import validate_project_id
from .jsonio import read_json, write_json
from .progress import Progress

log = logging.getLogger(__name__)

StrPath = str | os.PathLike[str]

PROJECT_LIST_INDEX = pathlib.PurePosixPath('data/projects-list/index.json')
PROJECT_LIST_PREVIEWS = pathlib.PurePosixPath('projects-list/previews')


def check_project_id(project_id: str | None) -> str:
    """Return ``project_id`` if it can name a folder under ``data/projects``.

    Raises:
        InputError: the id is not a safe folder name (see ``ids.validate_project_id``).
    """
    return validate_project_id(project_id)


def read_project_list(index_path: pathlib.Path) -> list[dict[str, Any]]:
    """Return the ``projects`` entries of an existing index, or [] if there is none.

    Raises:
        ExportFailed: the file is not JSON of the form
            ``{"projects": [{"id": "...", ...}, ...]}``.
    """
    if not index_path.exists():
        return []
    content = read_json(index_path)
    projects = content.get('projects') if isinstance(content, dict) else None
    valid = isinstance(projects, list) and all(
        isinstance(entry, dict) and isinstance(entry.get('id'), str) for entry in projects
    )
    if not valid:
        raise ExportFailed(
            f"Invalid project list {index_path}: expected "
            '{"projects": [{"id": ..., "name": ..., "thumbnailUrl": ...}, ...]}; '
            "fix or delete the file"
        )
    return list(projects)  # type: ignore[arg-type]


def merge_project_entries(
    existing: Iterable[dict[str, Any]], items: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Replace the entries of ``existing`` that share an id with ``items``, append the rest.

    Existing entries keep their order; new projects follow in the order given. A
    repeated id keeps its first position and its last value.
    """
    new_by_id = {item['id']: item for item in items}
    merged = []
    seen = set()
    for entry in existing:
        if entry['id'] in seen:
            continue
        seen.add(entry['id'])
        merged.append(new_by_id.get(entry['id'], entry))
    for project_id, item in new_by_id.items():
        if project_id not in seen:
            seen.add(project_id)
            merged.append(item)
    return merged


def merge_project_list(index_path: pathlib.Path, items: Sequence[dict[str, Any]]) -> None:
    """Read the index at ``index_path``, merge ``items`` into it and replace it atomically.

    This is the whole read-modify-write of the index, so that a caller can hold a
    lock around it. A malformed index raises before anything is written.

    Raises:
        ExportFailed: the existing index is malformed or cannot be read.
    """
    existing = read_project_list(index_path)
    write_json(index_path, {'projects': merge_project_entries(existing, items)})


def download_thumbnails(
    items: Sequence[models.StaticPreviewMixin],
    destination_path: pathlib.Path,
    path: pathlib.PurePosixPath,
    requests_headers: Mapping[str, str] | None,
    force: bool,
    progress: Progress,
) -> None:
    """Download the thumbnails of ``items`` that are URLs, reporting each item."""
    for done, item in enumerate(items, start=1):
        item.download_and_assign_thumbnail(
            destination_path, path=path, requests_headers=requests_headers, force=force
        )
        progress.update(done, len(items))


@dataclass
class ProjectListWriter:
    """Writes the projects' entries into ``data/projects-list/index.json``."""

    projects: list[models.ProjectListItem]
    destination_path: pathlib.Path

    @property
    def index_path(self) -> pathlib.Path:
        return pathlib.Path(self.destination_path) / PROJECT_LIST_INDEX

    def to_dict(self) -> dict[str, Any]:
        """Return the index of these projects alone, without merging."""
        return {'projects': [project.to_dict() for project in self.projects]}

    def download_previews(
        self,
        requests_headers: Mapping[str, str] | None = None,
        force: bool = False,
        progress: Progress | None = None,
    ) -> None:
        progress = progress or Progress()
        progress.step("Downloading project thumbnails")
        download_thumbnails(
            self.projects,
            pathlib.Path(self.destination_path),
            PROJECT_LIST_PREVIEWS,
            requests_headers,
            force,
            progress,
        )

    def write_as_json(self) -> None:
        """Merge these projects into the index, keeping the other projects' entries."""
        for project in self.projects:
            check_project_id(project.id)
        merge_project_list(self.index_path, self.to_dict()['projects'])
        log.debug("Wrote %d project(s) into %s", len(self.projects), self.index_path)


@dataclass
class ProjectWriter:
    """Writes a project and all its data as the JSON files of ``data/projects/<id>``."""

    project: models.Project
    shots: list[models.Shot]
    assets: list[models.Asset]
    sequences: list[models.Sequence]
    edit: models.Edit
    casting: list[models.ShotCasting]
    destination_path: pathlib.Path

    @property
    def project_path(self) -> pathlib.Path:
        project_id = check_project_id(self.project.id)
        return pathlib.Path(self.destination_path) / 'data' / 'projects' / project_id

    def dump_data(self, name: str, data: Any) -> None:
        """Write ``data`` as ``<name>.json`` in the project's folder."""
        destination = self.project_path / f'{name}.json'
        write_json(destination, data)
        log.debug("Wrote %s", destination)

    def download_previews(
        self,
        requests_headers: Mapping[str, str] | None = None,
        force: bool = False,
        progress: Progress | None = None,
    ) -> None:
        """Download the thumbnails of shots, assets and team members given as URLs."""
        progress = progress or Progress()
        path = pathlib.PurePosixPath('projects') / check_project_id(self.project.id) / 'previews'
        groups = (('shot', self.shots), ('asset', self.assets), ('user', self.project.team))
        for label, items in groups:
            progress.step(f"Downloading {label} thumbnails of {self.project.name}")
            download_thumbnails(
                items, pathlib.Path(self.destination_path), path, requests_headers, force, progress
            )

    def write_as_json(self) -> None:
        self.dump_data('project', self.project.to_dict())
        self.dump_data('edit', self.edit.to_dict())
        self.dump_data('assets', [asset.to_dict() for asset in self.assets])
        self.dump_data('shots', [shot.to_dict() for shot in self.shots])
        self.dump_data('sequences', [sequence.to_dict() for sequence in self.sequences])
        self.dump_data('casting', [casting.to_dict() for casting in self.casting])


class AbstractProjectListWriter(ABC):
    @abstractmethod
    def get_project_list(self) -> list[models.ProjectListItem]:
        """Return the projects to write."""

    def _get_project_list_writer(self, destination_path: pathlib.Path) -> ProjectListWriter:
        return ProjectListWriter(
            projects=self.get_project_list(), destination_path=destination_path
        )


class AbstractProjectWriter(ABC):
    @abstractmethod
    def get_project(self, project_id: str) -> models.Project:
        """Return the project with id ``project_id``."""

    @abstractmethod
    def get_project_shots(self, project: models.Project) -> list[models.Shot]:
        """Return the shots of ``project`` in timeline order."""

    @abstractmethod
    def get_project_assets(self, project: models.Project) -> list[models.Asset]:
        """Return the assets of ``project``."""

    @abstractmethod
    def get_project_sequences(self, project: models.Project) -> list[models.Sequence]:
        """Return the sequences of ``project`` in timeline order."""

    @abstractmethod
    def get_project_casting(
        self,
        project: models.Project,
        sequences: list[models.Sequence],
        shots: list[models.Shot],
        assets: list[models.Asset],
    ) -> list[models.ShotCasting]:
        """Return which assets appear in which shots."""

    @abstractmethod
    def get_project_edit(self, project: models.Project) -> models.Edit:
        """Return the edit of ``project``."""

    def _get_project_writer(self, project_id: str, destination_path: pathlib.Path) -> ProjectWriter:
        # Sequences come before shots because a shot refers to its sequence's id.
        project = self.get_project(project_id)
        sequences = self.get_project_sequences(project)
        shots = self.get_project_shots(project)
        assets = self.get_project_assets(project)
        casting = self.get_project_casting(project, sequences, shots, assets)
        edit = self.get_project_edit(project)
        return ProjectWriter(
            project=project,
            shots=shots,
            assets=assets,
            sequences=sequences,
            edit=edit,
            casting=casting,
            destination_path=destination_path,
        )


class AbstractWriter(AbstractProjectListWriter, AbstractProjectWriter, ABC):
    """Base of a writer: implement the ``get_*`` methods, then call :meth:`write`."""

    @property
    @abstractmethod
    def request_headers(self) -> dict[str, str] | None:
        """HTTP headers sent with thumbnail downloads, such as an authorization header."""

    def write(self, destination_path: StrPath, progress: Progress | None = None) -> None:
        """Write every project of :meth:`get_project_list` under ``destination_path``.

        The destination folder is created if missing.

        Raises:
            InputError: the destination exists and is not a folder, or a project id
                cannot name a folder.
            ExportFailed: a download or a file write failed.
        """
        destination = prepare_destination(destination_path)
        list_writer = self._get_project_list_writer(destination)
        list_writer.download_previews(self.request_headers, progress=progress)
        for item in list_writer.projects:
            project_writer = self._get_project_writer(check_project_id(item.id), destination)
            project_writer.download_previews(self.request_headers, progress=progress)
            project_writer.write_as_json()
        list_writer.write_as_json()


def prepare_destination(destination_path: StrPath) -> pathlib.Path:
    """Create the destination folder if missing and return it as a path.

    Raises:
        InputError: the destination exists and is not a folder.
        ExportFailed: the folder cannot be created.
    """
    destination = pathlib.Path(destination_path)
    if destination.exists() and not destination.is_dir():
        raise InputError(f"Invalid destination {destination}: it exists and is not a folder")
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportFailed(
            f"Failed to create the destination folder {destination}: {error}"
        ) from error
    return destination


class WatchtowerBundler:
    """Makes a servable site from a destination folder: the web client plus ``data``."""

    @staticmethod
    def bundle(
        destination_path: StrPath,
        client_dir: StrPath | None = None,
        progress: Progress | None = None,
    ) -> pathlib.Path:
        """Write ``destination_path/watchtower``, the web client with a copy of ``data``.

        ``client_dir`` selects a built web client other than the one shipped with
        watchtower-pipeline. Returns the folder to serve as the site root.
        """
        # Imported when called, so that writing JSON never needs the bundling module.
        from .bundle import bundle_site

        return bundle_site(destination_path, client_dir=client_dir, progress=progress)
