"""Turn the description of one edit into Watchtower models, and write them.

This is where Blender's terms (strips, scene range) have become Watchtower's (shots,
sequences, edit): the Blender layer fills an ``EditDescription`` and everything after
that is plain Python.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from fractions import Fraction

from . import models, writers
from .stable_ids import stable_id
from .timeline import FrameRange, SequenceGroup, ShotSpan
from .tracker import TrackerData

SHOT_PREVIEW_SIZE = (150, 100)

# The web client (watchtower-pipeline 1.0.0b0) seeks its player to
# (frame - frameOffset) / fps. With 0, that is the exact start of a frame, which
# Chromium rounds down to whole microseconds and so shows the previous frame at
# about half the cuts. -0.5 seeks to the middle of each frame; frame N of
# shots.json is still frame N of edit.mp4.
FRAME_OFFSET = -0.5
PROJECT_PREVIEW_SIZE = (300, 200)


@dataclass
class EditDescription:
    """Everything read from one scene that the exported project is made of."""

    project_id: str
    project_name: str
    fps: Fraction
    resolution: tuple[int, int]
    ratio: str
    frame_range: FrameRange
    shots: list[ShotSpan]
    sequences: list[SequenceGroup]
    tracker: TrackerData = field(default_factory=TrackerData)
    with_previews: bool = True


def shot_id(project_id: str, strip_name: str) -> str:
    return stable_id(project_id, "shot", strip_name)


def sequence_id(project_id: str, sequence_name: str) -> str:
    return stable_id(project_id, "sequence", sequence_name)


def project_preview_path(project_id: str) -> str:
    """Return the site path of the project-list thumbnail."""
    return f"data/projects-list/previews/{project_id[:2]}/{project_id}.png"


def item_preview_path(project_id: str, item_id: str) -> str:
    """Return the site path of a shot, asset or avatar thumbnail."""
    return f"data/projects/{project_id}/previews/{item_id[:2]}/{item_id}.png"


class EditWriter(writers.AbstractWriter):
    """Writer of one project described by an ``EditDescription``."""

    def __init__(self, description: EditDescription) -> None:
        self.description = description
        self.has_video = True
        self._project = self._build_project()
        self._sequences = self._build_sequences()
        self._shots = self._build_shots()

    @property
    def request_headers(self) -> dict[str, str] | None:
        return None

    def get_project_list(self) -> list[models.ProjectListItem]:
        return [self.project_list_item()]

    def project_list_item(self) -> models.ProjectListItem:
        return models.ProjectListItem(
            id=self._project.id,
            name=self._project.name,
            thumbnailUrl=self._project.thumbnailUrl,
        )

    def get_project(self, project_id: str) -> models.Project:
        return self._project

    def get_project_sequences(self, project: models.Project) -> list[models.Sequence]:
        return self._sequences

    def get_project_shots(self, project: models.Project) -> list[models.Shot]:
        return self._shots

    def get_project_assets(self, project: models.Project) -> list[models.Asset]:
        return self.description.tracker.assets

    def get_project_casting(
        self,
        project: models.Project,
        sequences: list[models.Sequence],
        shots: list[models.Shot],
        assets: list[models.Asset],
    ) -> list[models.ShotCasting]:
        by_id = {asset.id: asset for asset in assets}
        casting = []
        for shot in shots:
            asset_ids = self.description.tracker.shot_casting.get(shot.name, [])
            cast = [by_id[asset_id] for asset_id in asset_ids if asset_id in by_id]
            if cast:
                casting.append(models.ShotCasting(shot=shot, assets=cast))
        return casting

    def get_project_edit(self, project: models.Project) -> models.Edit:
        edit = models.Edit(
            project=project,
            frameOffset=FRAME_OFFSET,
            totalFrames=self.description.frame_range.total_frames,
        )
        if not self.has_video:
            edit.sourceName = None
        return edit

    def write_project(self, root: pathlib.Path, has_video: bool = True) -> None:
        """Write the project's JSON files under ``root`` (laid out like the site), no index.

        Without a video, edit.json's ``sourceName`` is null so that no path points to a
        missing file.
        """
        self.has_video = has_video
        project_writer = self._get_project_writer(str(self._project.id), root)
        project_writer.write_as_json()

    def _build_project(self) -> models.Project:
        described = self.description
        tracker = described.tracker
        width, height = described.resolution
        thumbnail = project_preview_path(described.project_id) if described.with_previews else None
        return models.Project(
            id=described.project_id,
            name=described.project_name,
            ratio=described.ratio,
            resolution=f"{width}x{height}",
            asset_types=tracker.asset_types,
            task_types=tracker.task_types,
            task_statuses=tracker.task_statuses,
            team=tracker.team,
            thumbnailUrl=thumbnail,
            fps=float(described.fps),
        )

    def _build_sequences(self) -> list[models.Sequence]:
        project_id = self.description.project_id
        return [
            models.Sequence(id=sequence_id(project_id, group.name), name=group.name)
            for group in self.description.sequences
        ]

    def _build_shots(self) -> list[models.Shot]:
        described = self.description
        sequence_of = {
            name: sequence_id(described.project_id, group.name)
            for group in described.sequences
            for name in group.shot_names
        }
        return [self._build_shot(span, sequence_of[span.name]) for span in described.shots]

    def _build_shot(self, span: ShotSpan, sequence: str) -> models.Shot:
        described = self.description
        identifier = shot_id(described.project_id, span.name)
        thumbnail = item_preview_path(described.project_id, identifier)
        return models.Shot(
            id=identifier,
            name=span.name,
            sequence_id=sequence,
            data=models.ShotData(frame_in=span.frame_in, frame_out=span.frame_out),
            tasks=described.tracker.shot_tasks.get(span.name, []),
            thumbnailUrl=thumbnail if described.with_previews else None,
            fps=float(described.fps),
        )
