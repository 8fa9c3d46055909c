"""Operators, the export child process and the command of the registered add-on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

bpy = pytest.importorskip('bpy')

import watchtower_blender_addon
from tests.test_tracker_authoring import author_example, new_edit_scene, strip
from watchtower_blender_addon.blender import background, cli_command, ops

pytestmark = pytest.mark.blender

PROJECT = 'watchtower'
SHOT = 'sequence_editor.active_strip.watchtower'


@pytest.fixture(scope='module', autouse=True)
def registered_addon() -> Any:
    watchtower_blender_addon.register()
    yield
    watchtower_blender_addon.unregister()


@pytest.fixture
def scene() -> Any:
    return new_edit_scene()


def run_in(scene: Any, operator: Any, **properties: Any) -> set[str]:
    with bpy.context.temp_override(scene=scene):
        return operator(**properties)


def project_names(site: Path) -> list[str]:
    index = json.loads((site / 'data' / 'projects-list' / 'index.json').read_text())
    return [project['name'] for project in index['projects']]


# Lists ---------------------------------------------------------------------------------------


def test_add_entry_gives_unique_names(scene: Any) -> None:
    for _ in range(3):
        result = run_in(scene, bpy.ops.watchtower.add_entry, owner_path=PROJECT, collection='team')
        assert result == {'FINISHED'}
    assert [member.name for member in scene.watchtower.team] == [
        'Member',
        'Member.001',
        'Member.002',
    ]
    assert scene.watchtower.active_team_index == 2


def test_remove_entry_keeps_index_valid(scene: Any) -> None:
    for name in ('A', 'B', 'C'):
        scene.watchtower.asset_types.add().name = name
    scene.watchtower.active_asset_types_index = 2
    run_in(scene, bpy.ops.watchtower.remove_entry, owner_path=PROJECT, collection='asset_types')
    assert [entry.name for entry in scene.watchtower.asset_types] == ['A', 'B']
    assert scene.watchtower.active_asset_types_index == 1


def test_move_entry_reorders_list(scene: Any) -> None:
    for name in ('A', 'B', 'C'):
        scene.watchtower.task_statuses.add().name = name
    scene.watchtower.active_task_statuses_index = 0
    run_in(
        scene,
        bpy.ops.watchtower.move_entry,
        owner_path=PROJECT,
        collection='task_statuses',
        direction='DOWN',
    )
    assert [entry.name for entry in scene.watchtower.task_statuses] == ['B', 'A', 'C']
    assert scene.watchtower.active_task_statuses_index == 1


def test_shot_cast_entry_takes_unused_asset(scene: Any) -> None:
    author_example(scene, None)
    scene.sequence_editor.active_strip = strip(scene, 'sh010')  # already casts Rex
    run_in(scene, bpy.ops.watchtower.add_entry, owner_path=SHOT, collection='cast')
    assert [cast.name for cast in strip(scene, 'sh010').watchtower.cast] == ['Rex', 'Chair']


def test_add_entry_without_active_strip_fails(scene: Any) -> None:
    scene.sequence_editor.active_strip = None
    with pytest.raises(RuntimeError, match="Nothing to edit at"):
        run_in(scene, bpy.ops.watchtower.add_entry, owner_path=SHOT, collection='tasks')


def test_project_id_is_stored_once(scene: Any) -> None:
    scene.watchtower.project_name = 'Sprite Fright'
    assert run_in(scene, bpy.ops.watchtower.generate_project_id) == {'FINISHED'}
    stored = scene.watchtower.project_id
    assert stored == ops.project_name_and_id(scene)[1]
    scene.watchtower.project_name = 'Renamed'
    assert ops.project_name_and_id(scene) == ('Renamed', stored)
    with bpy.context.temp_override(scene=scene):
        assert bpy.ops.watchtower.generate_project_id.poll() is False


# Export operator -----------------------------------------------------------------------------


def test_export_poll_rejects_scene_without_strips() -> None:
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    assert bpy.ops.watchtower.export.poll() is False
    assert ops.export_problem(bpy.context) == "The scene has no sequencer strips to export"


@pytest.mark.slow
def test_export_of_unsaved_changes_uses_copy(scene: Any, tmp_path: Path) -> None:
    author_example(scene, None)
    scene.watchtower.project_name = ''
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / 'edit.blend'))
    bpy.context.scene.watchtower.team.add().name = 'Unsaved Member'
    assert bpy.data.is_dirty
    copies_before = set(Path(tempfile.gettempdir()).glob('watchtower-export-*.blend*'))

    site = tmp_path / 'site'
    result = bpy.ops.watchtower.export(
        directory=str(site), use_file_browser=False, video=False, previews=False
    )
    assert result == {'FINISHED'}
    # The project keeps the saved file's name, not the temporary copy's.
    assert project_names(site) == ['edit']
    project_dir = next((site / 'data' / 'projects').iterdir())
    team = json.loads((project_dir / 'project.json').read_text())['team']
    assert 'Unsaved Member' in [member['full_name'] for member in team]
    # Neither the copy nor the .blend1 backup that saving over it makes is left behind.
    assert set(Path(tempfile.gettempdir()).glob('watchtower-export-*.blend*')) == copies_before
    assert bpy.context.scene.watchtower.export_directory == str(site)


@pytest.mark.slow
def test_export_failure_reports_error_line(scene: Any, tmp_path: Path) -> None:
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / 'edit.blend'))
    not_a_folder = tmp_path / 'file.txt'
    not_a_folder.write_text('in the way')
    with pytest.raises(RuntimeError, match="Watchtower export failed: "):
        bpy.ops.watchtower.export(
            directory=str(not_a_folder), use_file_browser=False, video=False, previews=False
        )


# Child process -------------------------------------------------------------------------------


def test_progress_lines_parse() -> None:
    assert background.parse_progress('watchtower: Rendering edit.mp4 12/48') == (
        background.ProgressLine('Rendering edit.mp4', 12, 48)
    )
    assert background.parse_progress('watchtower: Publishing') == background.ProgressLine(
        'Publishing'
    )
    assert background.parse_progress('warning: strip sh010 is muted') is None
    assert background.parse_progress('watchtower: Rendering 3/8').text == 'Rendering 3/8'


FAKE_CHILD = '''
import sys
print('watchtower: Rendering edit.mp4 1/4', file=sys.stderr)
print('warning: strip sh040 is muted', file=sys.stderr)
print('watchtower: Rendering edit.mp4 4/4', file=sys.stderr)
print('error: scene Edit: no shots', file=sys.stderr)
sys.exit(2)
'''


def test_job_reads_progress_and_error() -> None:
    job = background.ExportJob([sys.executable, '-c', FAKE_CHILD])
    assert job.wait() == 2
    assert job.progress == background.ProgressLine('Rendering edit.mp4', 4, 4)
    assert job.warnings() == ['strip sh040 is muted']
    assert job.error_message() == 'scene Edit: no shots'
    assert job.cancelled is False


SLEEPING_CHILD = '''
import sys, time
print('watchtower: Waiting', file=sys.stderr, flush=True)
try:
    time.sleep(600)
except KeyboardInterrupt:
    print('error: export interrupted', file=sys.stderr)
    sys.exit(130)
'''


@pytest.mark.skipif(os.name == 'nt', reason="Windows has no SIGINT for child processes")
def test_job_cancel_interrupts_child() -> None:
    job = background.ExportJob([sys.executable, '-c', SLEEPING_CHILD])
    while job.progress is None:
        assert not job.poll(), "the child ended before printing its progress line"
    job.cancel()
    assert job.wait() == 130
    assert job.cancelled is True
    assert job.error_message() == 'export interrupted'


def long_edit(tmp_path: Path) -> Path:
    """Save an edit of 480 frames, so that its video takes long enough to interrupt."""
    scene = new_edit_scene()
    scene.frame_end = 480
    strip(scene, 'sh030').frame_final_duration = 448
    path = tmp_path / 'long.blend'
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    return path


@pytest.mark.slow
def test_cancelled_export_keeps_previous_site(tmp_path: Path) -> None:
    blend = long_edit(tmp_path)
    site = tmp_path / 'site'
    first = background.ExportJob(
        background.child_command(str(blend), ['-d', str(site), '--no-video', '--no-previews'])
    )
    assert first.wait() == 0, first.lines
    project_files = sorted((site / 'data').rglob('*.json'))
    before = {path: path.read_bytes() for path in project_files}

    second = background.ExportJob(
        background.child_command(str(blend), ['-d', str(site), '--project-name', 'Changed'])
    )
    while second.progress is None or 'Render' not in second.progress.step:
        assert not second.poll(), second.lines
    second.cancel()
    assert second.wait() != 0
    assert {path: path.read_bytes() for path in sorted((site / 'data').rglob('*.json'))} == before


def test_child_command_runs_this_package(tmp_path: Path) -> None:
    command = background.child_command(str(tmp_path / 'edit.blend'), ['-d', 'site'])
    separator = command.index('--')
    assert command[separator - 1] == background.__file__
    assert command[separator + 1 :] == [str(tmp_path / 'edit.blend'), '-d', 'site']


# Command -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_command_exports_given_file(scene: Any, tmp_path: Path) -> None:
    author_example(scene, None)
    blend = tmp_path / 'edit.blend'
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    new_edit_scene()  # the command must load the file itself
    site = tmp_path / 'site'
    status = cli_command.run_command([str(blend), '-d', str(site), '--no-video', '--no-previews'])
    assert status == 0
    assert project_names(site) == ['Tracker Test']


def test_command_rejects_unknown_scene(scene: Any, tmp_path: Path) -> None:
    blend = tmp_path / 'edit.blend'
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    status = cli_command.run_command([str(blend), '-d', str(tmp_path), '--scene', 'Missing'])
    assert status == 2


def test_command_rejects_missing_file(tmp_path: Path) -> None:
    assert cli_command.run_command([str(tmp_path / 'missing.blend'), '-d', str(tmp_path)]) == 2


def test_background_script_runs_without_addon(scene: Any, tmp_path: Path) -> None:
    blend = tmp_path / 'edit.blend'
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    result = subprocess.run(
        background.child_command(str(blend), ['-d', str(tmp_path / 's'), '--scene', 'Missing']),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "scene 'Missing' not found" in result.stderr
