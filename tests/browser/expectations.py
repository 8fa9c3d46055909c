"""What a Watchtower site should show in the web client, for check_site_in_browser."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExpectedShot:
    id: str
    name: str
    start_frame: int
    frame_count: int
    # Colour of the shot's picture in edit.mp4, or None to skip the picture check.
    color: tuple[int, int, int] | None


@dataclass(frozen=True)
class ExpectedSite:
    project_id: str
    project_name: str
    shots: list[ExpectedShot]
    sequence_ids: list[str]
    team_names: list[str]
    # Maximum difference per RGB channel between a decoded pixel and the shot colour, which
    # leaves room for H.264 and yuv420p rounding.
    color_tolerance: int = 30

    def seeks(self) -> list[dict[str, object]]:
        """Frames to show in the player, and how to go there, for the shots with a colour.

        Through the client ('client'): the first and the middle frame of each shot. In the
        file ('file', a second video element): the first and the last frame, which pins each
        cut to its frame.
        """
        seeks: list[dict[str, object]] = []
        for shot in self.shots:
            if shot.color is None:
                continue
            last = shot.start_frame + shot.frame_count - 1
            middle = shot.start_frame + (shot.frame_count - 1) // 2
            seeks.append({'frame': shot.start_frame, 'method': 'client'})
            seeks.append({'frame': middle, 'method': 'client'})
            seeks.append({'frame': shot.start_frame, 'method': 'file'})
            seeks.append({'frame': last, 'method': 'file'})
        return seeks

    def shot_at(self, frame: int) -> ExpectedShot | None:
        for shot in self.shots:
            if shot.start_frame <= frame < shot.start_frame + shot.frame_count:
                return shot
        return None


def expected_from_export(
    destination: Path,
    project_id: str | None = None,
    colors: dict[str, tuple[int, int, int]] | None = None,
) -> ExpectedSite:
    """Build the expectation for a project of an export from its own JSON files.

    This checks that the client shows what the files contain. Args: ``project_id`` defaults
    to the first project of the list, and ``colors`` maps shot names to the colour of their
    picture in edit.mp4 (shots without one skip the picture check).
    """
    data = destination / 'data'
    listed = json.loads((data / 'projects-list' / 'index.json').read_text())['projects']
    project_id = project_id or listed[0]['id']
    project_dir = data / 'projects' / project_id
    project = json.loads((project_dir / 'project.json').read_text())
    shots = json.loads((project_dir / 'shots.json').read_text())
    sequences = json.loads((project_dir / 'sequences.json').read_text())
    colors = colors or {}
    return ExpectedSite(
        project_id=project_id,
        project_name=project['name'],
        sequence_ids=[sequence['id'] for sequence in sequences],
        team_names=[member['full_name'] for member in project['team']],
        shots=[
            ExpectedShot(
                shot['id'],
                shot['name'],
                shot['startFrame'],
                round(shot['durationSeconds'] * shot['fps']),
                colors.get(shot['name']),
            )
            for shot in sorted(shots, key=lambda shot: shot['startFrame'])
        ],
    )
