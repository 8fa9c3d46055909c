"""A small synthetic project, built with any module that has the Watchtower models.

Every id is given, so that two model libraries build the same data.
"""

import struct
import zlib

PROJECT_ID = 'c1d2e3f4-0000-4000-8000-000000000001'
OTHER_PROJECT_ID = 'c1d2e3f4-0000-4000-8000-000000000002'


def png_bytes(width=2, height=2):
    """Return a valid RGB PNG image of the given size."""

    def chunk(kind, payload):
        body = kind + payload
        return struct.pack('>I', len(payload)) + body + struct.pack('>I', zlib.crc32(body))

    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    rows = b''.join(b'\x00' + b'\x80\x40\x20' * width for _ in range(height))
    return (
        b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', header)
        + chunk(b'IDAT', zlib.compress(rows))
        + chunk(b'IEND', b'')
    )


def build_project(models, project_id=PROJECT_ID, name='Spring Test', thumbnail_url=None):
    """Return (list item, project, sequences, shots, assets, casting, edit) of a project."""
    team = [
        models.User(id='u-1', name='Jade Doe', has_avatar=False),
        models.User(id='u-2', name='Élodie Été', has_avatar=True, thumbnailUrl='data/u2.png'),
    ]
    project = models.Project(
        id=project_id,
        name=name,
        ratio='2.39:1',
        resolution='2048x858',
        asset_types=[models.AssetType(id='at-1', name='Character')],
        task_types=[
            models.TaskType(id='tt-1', name='Animation', color='#F9A825', for_shots=True),
            models.TaskType(id='tt-2', name='Modeling', color='#78909C', for_shots=False),
        ],
        task_statuses=[
            models.TaskStatus(id='ts-1', name='Todo', color='#F5F5F5'),
            models.TaskStatus(id='ts-2', name='Done', color='#22D160'),
        ],
        team=team,
        thumbnailUrl=thumbnail_url,
        fps=24000 / 1001,
    )
    item = models.ProjectListItem(id=project_id, name=name, thumbnailUrl=thumbnail_url)
    sequences = [models.Sequence(id='sq-1', name='SQ010'), models.Sequence(id='sq-2', name='SQ020')]
    shots = build_shots(models, project)
    assets = [
        models.Asset(
            id='as-1',
            name='Rex',
            asset_type_id='at-1',
            tasks=[models.Task(id='t-3', task_status_id='ts-2', task_type_id='tt-2')],
        )
    ]
    casting = [models.ShotCasting(shot=shots[0], assets=assets)]
    edit = models.Edit(project=project, totalFrames=60, frameOffset=0)
    return item, project, sequences, shots, assets, casting, edit


def build_shots(models, project):
    ranges = [
        ('sq-1', 'SQ010_SH010', 0, 24),
        ('sq-1', 'SQ010_SH020', 24, 49),
        ('sq-2', 'SQ020_SH010', 49, 60),
    ]
    shots = []
    for index, (sequence_id, name, frame_in, frame_out) in enumerate(ranges):
        shot = models.Shot(
            id=f'sh-{index}',
            name=name,
            sequence_id=sequence_id,
            data=models.ShotData(frame_in=frame_in, frame_out=frame_out),
            thumbnailUrl=f'data/projects/{project.id}/previews/sh/sh-{index}.png',
            fps=project.fps,
        )
        shot.tasks.append(
            models.Task(
                id=f't-{index}', task_status_id='ts-1', task_type_id='tt-1', assignees=['u-1']
            )
        )
        shots.append(shot)
    return shots
