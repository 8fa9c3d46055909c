"""The tracker reader on real Blender: what the add-on stores and what an export reads."""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

bpy = pytest.importorskip('bpy')

import watchtower_blender_addon
from tests.test_tracker_authoring import add_task, author_example, new_edit_scene, strip
from watchtower_blender_addon.blender import tracker
from watchtower_blender_addon.core.errors import InputError
from watchtower_blender_addon.core.models import to_json_value
from watchtower_blender_addon.core.stable_ids import stable_id

pytestmark = pytest.mark.blender

PROJECT_ID = 'project-under-test'
SHOT_NAMES = ('sh010', 'sh020', 'sh030')


@pytest.fixture(scope='module', autouse=True)
def registered_addon() -> Any:
    watchtower_blender_addon.register()
    yield
    watchtower_blender_addon.unregister()


@pytest.fixture
def avatar(tmp_path: Path) -> str:
    image = bpy.data.images.new('avatar', 8, 8)
    image.filepath_raw = str(tmp_path / 'avatar.png')
    image.file_format = 'PNG'
    image.save()
    bpy.data.images.remove(image)
    return str(tmp_path / 'avatar.png')


@pytest.fixture
def scene() -> Any:
    return new_edit_scene()


def read(scene: Any) -> Any:
    return tracker.read_tracker(scene, [strip(scene, name) for name in SHOT_NAMES], PROJECT_ID)


def as_json(data: Any) -> dict[str, Any]:
    return {item.name: to_json_value(getattr(data, item.name)) for item in dataclasses.fields(data)}


def by_name(models_list: list[Any]) -> dict[str, Any]:
    return {model.name: model for model in models_list}


def test_empty_scene_reads_empty_tracker(scene: Any) -> None:
    data = read(scene)
    assert data.task_types == []
    assert data.assets == []
    assert data.shot_tasks == {name: [] for name in SHOT_NAMES}
    assert data.shot_casting == {name: [] for name in SHOT_NAMES}


def test_template_adds_default_lists(scene: Any) -> None:
    with bpy.context.temp_override(scene=scene):
        assert bpy.ops.watchtower.apply_template() == {'FINISHED'}
    data = read(scene)
    shot_types = [t.name for t in data.task_types if t.for_shots]
    asset_types = [t.name for t in data.task_types if not t.for_shots]
    assert shot_types == ['Storyboard', 'Layout', 'Animation', 'Lighting', 'Compositing']
    assert asset_types == ['Modeling', 'Shading', 'Rigging']
    assert [s.name for s in data.task_statuses] == ['Todo', 'WIP', 'Review', 'Done', 'Retake']
    assert by_name(data.task_statuses)['Retake'].color == '#FF3860'
    assert [t.name for t in data.asset_types] == ['Character', 'Prop', 'Set']
    assert scene.watchtower.project_id


def test_unset_properties_read_as_defaults(scene: Any) -> None:
    settings = scene.watchtower
    settings.task_types.add().name = 'Layout'
    settings.task_statuses.add().name = 'Todo'
    data = read(scene)
    assert settings.task_types['Layout'].for_shots is True
    assert data.task_types[0].for_shots is True
    assert data.task_types[0].color == '#808080'
    assert data.task_statuses[0].color == '#808080'


def test_template_keeps_existing_entries(scene: Any) -> None:
    layout = scene.watchtower.task_types.add()
    layout.name = 'Layout'
    layout.color = (1.0, 0.0, 0.0)
    with bpy.context.temp_override(scene=scene):
        bpy.ops.watchtower.apply_template()
        bpy.ops.watchtower.apply_template()
    names = [t.name for t in scene.watchtower.task_types]
    assert names.count('Layout') == 1
    assert len(names) == 8
    assert by_name(read(scene).task_types)['Layout'].color == '#FF0000'


def test_shot_tasks_resolve_names_to_ids(scene: Any, avatar: str) -> None:
    author_example(scene, avatar)
    data = read(scene)
    types, statuses, team = (
        by_name(data.task_types),
        by_name(data.task_statuses),
        by_name(data.team),
    )
    layout_task = data.shot_tasks['sh010'][1]
    assert layout_task.task_type_id == types['Layout'].id
    assert layout_task.task_status_id == statuses['WIP'].id
    assert layout_task.assignees == [team['Jade'].id, team['Ravi'].id]
    assert layout_task.id == stable_id(PROJECT_ID, 'shot_task', 'sh010', types['Layout'].id)


def test_shot_tasks_follow_task_type_order(scene: Any, avatar: str) -> None:
    author_example(scene, avatar)
    data = read(scene)
    types = by_name(data.task_types)
    ordered = [task.task_type_id for task in data.shot_tasks['sh010']]
    assert ordered == [types['Storyboard'].id, types['Layout'].id]


def test_ids_derive_from_project_and_name(scene: Any, avatar: str) -> None:
    author_example(scene, avatar)
    scene.watchtower.task_statuses['WIP'].id = 'custom-wip'
    data = read(scene)
    assert by_name(data.task_types)['Layout'].id == stable_id(PROJECT_ID, 'task_type', 'Layout')
    assert by_name(data.task_statuses)['WIP'].id == 'custom-wip'
    assert data.shot_tasks['sh010'][1].task_status_id == 'custom-wip'


def test_color_tag_sets_first_shot_task_status(scene: Any, avatar: str) -> None:
    author_example(scene, avatar)
    data = read(scene)
    types, statuses = by_name(data.task_types), by_name(data.task_statuses)
    tasks = data.shot_tasks['sh020']
    assert [task.task_type_id for task in tasks] == [types['Storyboard'].id]
    assert tasks[0].task_status_id == statuses['Retake'].id
    assert tasks[0].assignees == []


def test_color_tag_overrides_stored_status(scene: Any, avatar: str) -> None:
    author_example(scene, avatar)
    strip(scene, 'sh010').color_tag = 'COLOR_06'  # bound to Review by the template
    data = read(scene)
    storyboard = data.shot_tasks['sh010'][0]
    assert storyboard.task_status_id == by_name(data.task_statuses)['Review'].id


def test_unbound_color_tag_sets_nothing(scene: Any, avatar: str) -> None:
    author_example(scene, avatar)
    strip(scene, 'sh030').color_tag = 'COLOR_08'
    assert read(scene).shot_tasks['sh030'] == []


def test_status_change_recolours_strip(scene: Any, avatar: str) -> None:
    author_example(scene, avatar)
    storyboard = strip(scene, 'sh010').watchtower.tasks[1]
    assert storyboard.task_type == 'Storyboard'
    storyboard.status = 'Retake'
    assert strip(scene, 'sh010').color_tag == 'COLOR_01'
    storyboard.status = 'Todo'  # not bound to a tag
    assert strip(scene, 'sh010').color_tag == 'NONE'


def test_status_of_other_task_type_keeps_colour(scene: Any, avatar: str) -> None:
    author_example(scene, avatar)
    strip(scene, 'sh010').color_tag = 'COLOR_08'
    layout_task = strip(scene, 'sh010').watchtower.tasks[0]
    layout_task.status = 'Retake'
    assert strip(scene, 'sh010').color_tag == 'COLOR_08'


def test_renaming_updates_references(scene: Any, avatar: str) -> None:
    author_example(scene, avatar)
    settings = scene.watchtower
    settings.task_types['Layout'].name = 'Previz'
    settings.task_statuses['WIP'].name = 'In Progress'
    settings.team['Jade'].name = 'Jade Doe'
    settings.asset_types['Character'].name = 'Characters'
    settings.assets['Rex'].name = 'Rex the Dog'
    layout_task = strip(scene, 'sh010').watchtower.tasks[0]
    assert layout_task.task_type == 'Previz'
    assert layout_task.status == 'In Progress'
    assert layout_task.assignees[0].name == 'Jade Doe'
    assert settings.assets['Rex the Dog'].asset_type == 'Characters'
    assert strip(scene, 'sh010').watchtower.cast[0].name == 'Rex the Dog'


def test_repeated_names_get_a_suffix(scene: Any) -> None:
    team = scene.watchtower.team
    team.add().name = 'Jade'
    team.add().name = 'Jade'
    team.add().name = 'Jade'
    assert [member.name for member in team] == ['Jade', 'Jade.001', 'Jade.002']


def test_added_task_gets_unused_type(scene: Any) -> None:
    with bpy.context.temp_override(scene=scene):
        bpy.ops.watchtower.apply_template()
        scene.sequence_editor.active_strip = strip(scene, 'sh010')
        for _ in range(2):
            bpy.ops.watchtower.add_entry(
                owner_path='sequence_editor.active_strip.watchtower', collection='tasks'
            )
    tasks = strip(scene, 'sh010').watchtower.tasks
    assert [(task.task_type, task.status) for task in tasks] == [
        ('Storyboard', 'Todo'),
        ('Layout', 'Todo'),
    ]


def test_unknown_references_are_skipped(scene: Any, avatar: str, caplog: Any) -> None:
    author_example(scene, avatar)
    shot = strip(scene, 'sh030').watchtower
    add_task(shot, 'Deleted Type', 'WIP')
    add_task(shot, 'Animation', '', ('Nobody',))
    shot.cast.add().name = 'Missing Asset'
    with caplog.at_level(logging.WARNING):
        data = read(scene)
    types, statuses = by_name(data.task_types), by_name(data.task_statuses)
    tasks = data.shot_tasks['sh030']
    assert [task.task_type_id for task in tasks] == [types['Animation'].id]
    assert tasks[0].task_status_id == statuses['Todo'].id
    assert tasks[0].assignees == []
    assert data.shot_casting['sh030'] == [by_name(data.assets)['Chair'].id]
    assert "unknown task type 'Deleted Type'" in caplog.text
    assert "unknown team member 'Nobody'" in caplog.text
    assert "unknown asset 'Missing Asset'" in caplog.text


def test_same_explicit_id_is_rejected(scene: Any) -> None:
    team = scene.watchtower.team
    for name in ('Jade', 'Ravi'):
        member = team.add()
        member.name = name
        member.id = 'same'
    with pytest.raises(InputError, match="'Jade' and 'Ravi' have the same id 'same'"):
        read(scene)


def test_asset_types_fall_back_to_other(scene: Any) -> None:
    assets = scene.watchtower.assets
    assets.add().name = 'Untyped'
    typo = assets.add()
    typo.name = 'Typo'
    typo.asset_type = 'Charcter'
    data = read(scene)
    other = by_name(data.asset_types)['Other']
    assert [asset.asset_type_id for asset in data.assets] == [other.id, other.id]


def test_asset_thumbnail_sources(scene: Any, avatar: str, tmp_path: Path) -> None:
    bpy.data.collections.new('Props')
    assets = scene.watchtower.assets
    from_file, from_datablock, missing = (assets.add() for _ in range(3))
    from_file.name, from_datablock.name, missing.name = 'File', 'Block', 'Missing'
    from_file.thumbnail_source_menu = 'FILE'
    from_file.thumbnail_path = avatar
    from_datablock.thumbnail_source_menu = 'DATABLOCK'
    from_datablock.datablock_name = 'Props'
    missing.thumbnail_source = 'FILE'
    missing.thumbnail_path = str(tmp_path / 'not-there.png')
    thumbnails = {asset.name: asset.thumbnailUrl for asset in read(scene).assets}
    assert thumbnails == {'File': avatar, 'Block': 'datablock:collections:Props', 'Missing': None}


def test_relative_avatar_path_becomes_absolute(scene: Any, avatar: str, tmp_path: Path) -> None:
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / 'edit.blend'))
    member = bpy.context.scene.watchtower.team.add()
    member.name = 'Jade'
    member.avatar = '//avatar.png'
    data = tracker.read_tracker(bpy.context.scene, [], PROJECT_ID)
    assert data.team[0].thumbnailUrl == avatar
    assert data.team[0].has_avatar is True


def add_layout_scene(scene: Any, name: str = 'Layout 010') -> Any:
    """Add a scene with collections Rex, Chair (hidden in renders) and a Forest instance."""
    layout_scene = bpy.data.scenes.new(name)
    for collection_name in ('Rex', 'Chair'):
        collection = bpy.data.collections.new(collection_name)
        layout_scene.collection.children.link(collection)
    layout_scene.collection.children['Chair'].hide_render = True
    forest = bpy.data.collections.new('Forest')
    instance = bpy.data.objects.new('Forest Instance', None)
    instance.instance_type = 'COLLECTION'
    instance.instance_collection = forest
    layout_scene.collection.objects.link(instance)
    from watchtower_blender_addon.blender import compat

    strips = compat.strips_of(scene.sequence_editor)
    strips.remove(strips['sh010'])
    strips.new_scene(name='sh010', scene=layout_scene, channel=2, frame_start=1)
    return layout_scene


def test_scene_strip_casts_its_collections(scene: Any) -> None:
    add_layout_scene(scene)
    data = read(scene)
    assets = by_name(data.assets)
    assert set(assets) == {'Rex', 'Forest'}
    assert data.shot_casting['sh010'] == [assets['Rex'].id, assets['Forest'].id]
    collection_type = by_name(data.asset_types)['Collection']
    assert assets['Rex'].asset_type_id == collection_type.id
    assert assets['Rex'].id == stable_id(PROJECT_ID, 'datablock', 'collections', 'Rex')
    assert data.shot_casting['sh020'] == []


def test_marked_assets_replace_collections(scene: Any) -> None:
    layout_scene = add_layout_scene(scene)
    rex_object = bpy.data.objects.new('Rex Rig', None)
    layout_scene.collection.children['Rex'].objects.link(rex_object)
    rex_object.asset_mark()
    data = read(scene)
    assets = by_name(data.assets)
    assert list(assets) == ['Rex Rig']
    assert by_name(data.asset_types)['Object'].id == assets['Rex Rig'].asset_type_id
    assert assets['Rex Rig'].thumbnailUrl == 'datablock:objects:Rex Rig'


def test_explicit_cast_adds_to_automatic_cast(scene: Any) -> None:
    add_layout_scene(scene)
    settings = scene.watchtower
    rex = settings.assets.add()
    rex.name = 'Rex'
    rex.asset_type = 'Hero'
    settings.assets.add().name = 'Lamp'
    strip(scene, 'sh010').watchtower.cast.add().name = 'Lamp'
    data = read(scene)
    assets = by_name(data.assets)
    assert list(assets) == ['Rex', 'Lamp', 'Forest']
    assert data.shot_casting['sh010'] == [assets['Rex'].id, assets['Forest'].id, assets['Lamp'].id]


def test_automatic_cast_can_be_turned_off(scene: Any) -> None:
    add_layout_scene(scene)
    scene.watchtower.auto_cast = False
    data = read(scene)
    assert data.assets == []
    assert data.shot_casting['sh010'] == []


def test_meta_strip_casts_inner_scene_strips(scene: Any) -> None:
    from watchtower_blender_addon.blender import compat

    layout_scene = add_layout_scene(scene)
    strips = compat.strips_of(scene.sequence_editor)
    strips.remove(strips['sh010'])
    meta = strips.new_meta(name='sh010', channel=2, frame_start=1)
    compat.strips_of(meta).new_scene(name='inner', scene=layout_scene, channel=1, frame_start=1)
    assert set(by_name(read(scene).assets)) == {'Rex', 'Forest'}


def test_reading_twice_gives_same_data(scene: Any, avatar: str) -> None:
    add_layout_scene(scene)
    author_example(scene, avatar)
    assert as_json(read(scene)) == as_json(read(scene))


def test_project_settings_are_plain_strings(scene: Any) -> None:
    settings = scene.watchtower
    assert tracker.read_project_settings(scene)['sequence_source'] == 'auto'
    settings.sequence_source_menu = 'markers'
    settings.shot_channels = '2,3'
    assert tracker.read_project_settings(scene) == {
        'project_name': '',
        'project_id': '',
        'shot_channels': '2,3',
        'sequence_source': 'markers',
        'sequence_pattern': '',
    }


# Run in a new process: read the saved file without registering the add-on.
UNREGISTERED_READER = '''
import dataclasses, json, sys
import bpy
from watchtower_blender_addon.blender import compat, tracker
from watchtower_blender_addon.core.models import to_json_value

bpy.ops.wm.open_mainfile(filepath=sys.argv[1])
scene = bpy.data.scenes['Edit']
assert not hasattr(scene, 'watchtower'), 'the add-on must not be registered'
strips = compat.strips_of(scene.sequence_editor)
data = tracker.read_tracker(scene, [strips[name] for name in sys.argv[2:]], 'project-under-test')
fields = {f.name: to_json_value(getattr(data, f.name)) for f in dataclasses.fields(data)}
print('TRACKER ' + json.dumps({'data': fields, 'settings': tracker.read_project_settings(scene)}))
'''


def read_in_new_process(blend_path: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, '-c', UNREGISTERED_READER, str(blend_path), *SHOT_NAMES],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith('TRACKER ')]
    return json.loads(lines[-1][len('TRACKER ') :])


def test_unregistered_read_matches_registered(scene: Any, avatar: str, tmp_path: Path) -> None:
    add_layout_scene(scene)
    author_example(scene, avatar)
    scene.watchtower.sequence_source_menu = 'names'
    blend_path = tmp_path / 'edit.blend'
    bpy.ops.wm.save_as_mainfile(filepath=str(blend_path))
    expected = as_json(read(bpy.data.scenes['Edit']))

    unregistered = read_in_new_process(blend_path)
    assert unregistered['data'] == expected
    assert unregistered['settings']['sequence_source'] == 'names'
    assert unregistered['settings']['project_name'] == 'Tracker Test'
    assert len(unregistered['data']['shot_tasks']['sh010']) == 2
