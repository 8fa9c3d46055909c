"""Models: defaults, computed fields and the JSON each one returns."""

import uuid

import pytest

from watchtower_blender_addon.core import models


def test_missing_id_becomes_uuid4():
    sequence = models.Sequence(name='SQ010')
    assert uuid.UUID(sequence.id).version == 4


def test_given_id_is_kept():
    assert models.AssetType(id='at-1', name='Prop').id == 'at-1'


def test_ids_differ_between_instances():
    assert models.Sequence(name='A').id != models.Sequence(name='A').id


def test_shot_timing_computed_from_frames():
    shot = models.Shot(
        name='SH010',
        sequence_id='sq',
        data=models.ShotData(frame_in=12, frame_out=36),
        startFrame=99,
        durationSeconds=99,
        fps=24,
    )
    assert shot.startFrame == 12
    assert shot.durationSeconds == 1.0


def test_ntsc_shot_duration_matches_frame_count():
    fps = 24000 / 1001
    shot = models.Shot(
        name='SH', sequence_id='sq', data={'frame_in': 0, 'frame_out': 1001}, fps=fps
    )
    assert shot.durationSeconds == pytest.approx(1001 / fps)
    assert round(shot.durationSeconds * fps) == 1001


def test_edit_source_defaults_to_project_video():
    project = models.Project(id='p1', name='P', ratio='1:1', resolution='1x1')
    edit = models.Edit(project=project, totalFrames=10)
    assert edit.to_dict() == {
        'totalFrames': 10,
        'frameOffset': 0,
        'sourceName': 'data/projects/p1/edit.mp4',
        'sourceType': 'video/mp4',
    }


def test_edit_keeps_given_source():
    project = models.Project(id='p1', name='P', ratio='1:1', resolution='1x1')
    edit = models.Edit(project, 5, 'data/other.mp4')
    assert edit.frameOffset == 5
    assert edit.sourceName == 'data/other.mp4'


def test_team_entry_has_full_name():
    user = models.User(id='u1', name='Jade Doe')
    assert user.to_dict() == {
        'id': 'u1',
        'name': 'Jade Doe',
        'full_name': 'Jade Doe',
        'thumbnailUrl': None,
        'has_avatar': False,
    }


def test_project_dict_nests_team_entries():
    project = models.Project(
        id='p1', name='P', ratio='1:1', resolution='1x1', team=[models.User(id='u1', name='J')]
    )
    assert project.to_dict()['team'][0]['full_name'] == 'J'


def test_casting_dict_lists_ids():
    shot = models.Shot(id='s1', name='S', sequence_id='q', data={'frame_in': 0, 'frame_out': 1})
    asset = models.Asset(id='a1', name='A', asset_type_id='t')
    assert models.ShotCasting(shot, [asset]).to_dict() == {'shot_id': 's1', 'asset_ids': ['a1']}


def test_task_assignees_default_to_empty_list():
    first = models.Task(task_status_id='s', task_type_id='t')
    second = models.Task(task_status_id='s', task_type_id='t')
    first.assignees.append('u1')
    assert second.assignees == []


def test_positional_model_arguments_rejected():
    # watchtower_pipeline's Task takes the status first; here that call fails loudly.
    with pytest.raises(TypeError):
        models.Task('status-id', 'type-id', ['u1'])


def test_preview_path_uses_forward_slashes():
    path = models.StaticPreviewMixin.generate_preview_file_path('abcdef', 'projects/p/previews')
    assert str(path) == 'data/projects/p/previews/ab/abcdef.png'
