"""A small hand-written Watchtower export: the JSON files, shot previews and an edit.mp4.

It does not use the exporter, so the browser tests check the web client and the bundle on
data whose every value is known here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from watchtower_blender_addon.core.bundle import solid_png

from .expectations import ExpectedShot, ExpectedSite

PROJECT_ID = '6c0f4a51-2d0e-4f7c-9a55-0d1b6a2f9e10'
PROJECT_NAME = 'Browser Fixture'
FPS = Fraction(24000, 1001)
VIDEO_SIZE = (320, 180)
PREVIEW_SIZE = (150, 100)
# The client seeks its player to (frame - frameOffset) / fps and snaps every seek to that
# time. With an offset of 0 that is the exact start of the frame, which Chromium 156 rounds
# down to whole microseconds, so about half the cuts show the last frame of the shot before.
# An offset of -0.5 seeks to the middle of the frame.
FRAME_OFFSET = -0.5


@dataclass
class FixtureShot:
    name: str
    sequence: str
    frame_count: int
    color: tuple[int, int, int]
    assignees: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f'shot-{self.name.lower()}'


SEQUENCES = ['SQ010', 'SQ020', 'SQ030']
SHOTS = [
    FixtureShot('SQ010_0010', 'SQ010', 12, (200, 40, 40), ['user-ada']),
    FixtureShot('SQ010_0020', 'SQ010', 9, (40, 190, 40), ['user-ada', 'user-bo']),
    FixtureShot('SQ020_0010', 'SQ020', 15, (40, 40, 200), ['user-bo']),
    FixtureShot('SQ020_0020', 'SQ020', 10, (210, 200, 40), []),
    FixtureShot('SQ020_0030', 'SQ020', 8, (200, 40, 200), ['user-cy']),
    FixtureShot('SQ030_0010', 'SQ030', 14, (40, 200, 200), ['user-cy', 'user-ada']),
]
TEAM = {'user-ada': 'Ada Lindqvist', 'user-bo': 'Bo Marchetti', 'user-cy': 'Cy Okafor'}
TASK_TYPES = [
    {'id': 'tt-layout', 'name': 'Layout', 'color': '#3F8FD2', 'for_shots': True},
    {'id': 'tt-anim', 'name': 'Animation', 'color': '#D2823F', 'for_shots': True},
    {'id': 'tt-model', 'name': 'Modeling', 'color': '#7AD23F', 'for_shots': False},
]
TASK_STATUSES = [
    {'id': 'ts-todo', 'name': 'Todo', 'color': '#888888'},
    {'id': 'ts-wip', 'name': 'WIP', 'color': '#E0B030'},
    {'id': 'ts-done', 'name': 'Done', 'color': '#30C060'},
]


def write_fixture_site(destination: Path) -> ExpectedSite:
    """Write the export under ``destination/data`` and return what the client should show."""
    project_dir = destination / 'data' / 'projects' / PROJECT_ID
    start_frames = _start_frames()
    total_frames = sum(shot.frame_count for shot in SHOTS)

    _write_project_list(destination)
    _write_json(project_dir / 'project.json', _project())
    _write_json(project_dir / 'sequences.json', [_sequence(name) for name in SEQUENCES])
    _write_json(project_dir / 'shots.json', [_shot(s, start_frames[s.id]) for s in SHOTS])
    _write_json(project_dir / 'assets.json', _assets())
    _write_json(project_dir / 'casting.json', _casting())
    _write_json(project_dir / 'edit.json', _edit(total_frames))
    for shot in SHOTS:
        _write_png(destination / _preview_path(shot.id), PREVIEW_SIZE, shot.color)
    write_edit_video(project_dir / 'edit.mp4', [(s.frame_count, s.color) for s in SHOTS])

    return ExpectedSite(
        project_id=PROJECT_ID,
        project_name=PROJECT_NAME,
        sequence_ids=[_sequence(name)['id'] for name in SEQUENCES],
        team_names=list(TEAM.values()),
        shots=[
            ExpectedShot(s.id, s.name, start_frames[s.id], s.frame_count, s.color) for s in SHOTS
        ],
    )


def write_edit_video(path: Path, pieces: list[tuple[int, tuple[int, int, int]]]) -> None:
    """Encode H.264 yuv420p at 24000/1001 fps: ``frame_count`` frames of each solid colour."""
    width, height = VIDEO_SIZE
    with av.open(str(path), 'w', options={'movflags': '+faststart'}) as container:
        stream = container.add_stream('libx264', rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, 'yuv420p'
        stream.options = {'crf': '12', 'preset': 'veryfast'}
        pts = 0
        for frame_count, color in pieces:
            picture = np.empty((height, width, 3), dtype=np.uint8)
            picture[:, :] = color
            for _ in range(frame_count):
                frame = av.VideoFrame.from_ndarray(picture, format='rgb24')
                frame.pts = pts
                frame.time_base = 1 / FPS
                container.mux(stream.encode(frame))
                pts += 1
        container.mux(stream.encode(None))


def _start_frames() -> dict[str, int]:
    starts, frame = {}, 0
    for shot in SHOTS:
        starts[shot.id] = frame
        frame += shot.frame_count
    return starts


def _preview_path(item_id: str) -> str:
    return f'data/projects/{PROJECT_ID}/previews/{item_id[:2]}/{item_id}.png'


def _write_project_list(destination: Path) -> None:
    thumbnail = f'data/projects-list/previews/{PROJECT_ID[:2]}/{PROJECT_ID}.png'
    _write_png(destination / thumbnail, (300, 200), SHOTS[0].color)
    entry = {'id': PROJECT_ID, 'name': PROJECT_NAME, 'thumbnailUrl': thumbnail}
    _write_json(destination / 'data' / 'projects-list' / 'index.json', {'projects': [entry]})


def _project() -> dict:
    team = [
        {'id': uid, 'name': name, 'full_name': name, 'has_avatar': False, 'thumbnailUrl': None}
        for uid, name in TEAM.items()
    ]
    return {
        'id': PROJECT_ID,
        'name': PROJECT_NAME,
        'ratio': '1.78:1',
        'resolution': f'{VIDEO_SIZE[0]}x{VIDEO_SIZE[1]}',
        'fps': float(FPS),
        'thumbnailUrl': f'data/projects-list/previews/{PROJECT_ID[:2]}/{PROJECT_ID}.png',
        'asset_types': [{'id': 'at-char', 'name': 'Character'}, {'id': 'at-prop', 'name': 'Prop'}],
        'task_types': TASK_TYPES,
        'task_statuses': TASK_STATUSES,
        'team': team,
    }


def _sequence(name: str) -> dict:
    return {'id': f'seq-{name.lower()}', 'name': name}


def _shot(shot: FixtureShot, start_frame: int) -> dict:
    statuses = [status['id'] for status in TASK_STATUSES]
    tasks = [
        {
            'id': f'{shot.id}-{task_type["id"]}',
            'task_type_id': task_type['id'],
            'task_status_id': statuses[(start_frame + i) % len(statuses)],
            'assignees': shot.assignees,
        }
        for i, task_type in enumerate(TASK_TYPES[:2])
    ]
    return {
        'id': shot.id,
        'name': shot.name,
        'sequence_id': _sequence(shot.sequence)['id'],
        'startFrame': start_frame,
        'durationSeconds': float(shot.frame_count / FPS),
        'fps': float(FPS),
        'thumbnailUrl': _preview_path(shot.id),
        'tasks': tasks,
        'data': {'frame_in': start_frame, 'frame_out': start_frame + shot.frame_count},
    }


def _assets() -> list[dict]:
    # No previews, so the client loads its placeholder image for them.
    return [
        {'id': 'asset-rex', 'name': 'Rex', 'asset_type_id': 'at-char', 'thumbnailUrl': None,
         'tasks': [{'id': 'asset-rex-model', 'task_type_id': 'tt-model',
                    'task_status_id': 'ts-done', 'assignees': ['user-bo']}]},
        {'id': 'asset-lamp', 'name': 'Lamp', 'asset_type_id': 'at-prop', 'thumbnailUrl': None,
         'tasks': []},
    ]  # fmt: skip


def _casting() -> list[dict]:
    return [
        {'shot_id': SHOTS[0].id, 'asset_ids': ['asset-rex']},
        {'shot_id': SHOTS[2].id, 'asset_ids': ['asset-rex', 'asset-lamp']},
    ]


def _edit(total_frames: int) -> dict:
    return {
        'totalFrames': total_frames,
        'frameOffset': FRAME_OFFSET,
        'sourceName': f'data/projects/{PROJECT_ID}/edit.mp4',
        'sourceType': 'video/mp4',
    }


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + '\n', encoding='utf-8')


def _write_png(path: Path, size: tuple[int, int], color: tuple[int, int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(solid_png(size[0], size[1], color))
