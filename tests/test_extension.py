"""The add-on as a Blender extension: build, validate, install, export, disable.

Blender's own extension tool from the bpy wheel builds and validates the package.
The installation runs in a new process whose Blender user folder is a temporary
directory, so the developer's Blender configuration is never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

bpy = pytest.importorskip('bpy')

pytestmark = [pytest.mark.blender, pytest.mark.slow]

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGE_DIR = REPOSITORY / 'watchtower_blender_addon'
MODULE = 'bl_ext.user_default.watchtower_blender_addon'
SITE_FILES = ('project.json', 'sequences.json', 'shots.json', 'assets.json', 'casting.json')


def extension_tool() -> Path:
    scripts = Path(bpy.utils.system_resource('SCRIPTS'))
    tool = scripts / 'addons_core' / 'bl_pkg' / 'cli' / 'blender_ext.py'
    assert tool.is_file(), f"{tool} not found"
    return tool


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(extension_tool()), *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope='module')
def extension_zip(tmp_path_factory: Any) -> Path:
    output_dir = tmp_path_factory.mktemp('dist')
    result = run_tool('build', '--source-dir', str(PACKAGE_DIR), '--output-dir', str(output_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    return output_dir / 'watchtower_blender_addon-0.1.0.zip'


def test_manifest_passes_validation() -> None:
    result = run_tool('validate', str(PACKAGE_DIR))
    assert result.returncode == 0, result.stdout + result.stderr


def test_built_zip_passes_validation(extension_zip: Path) -> None:
    result = run_tool('validate', str(extension_zip))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zip_holds_package_without_caches(extension_zip: Path) -> None:
    names = zipfile.ZipFile(extension_zip).namelist()
    assert '__init__.py' in names
    assert 'blender_manifest.toml' in names
    assert 'blender/tracker.py' in names
    assert 'core/models.py' in names
    assert not [name for name in names if '__pycache__' in name or name.endswith('.pyc')]


# Runs in a new process with a temporary Blender user folder.
INSTALL_AND_EXPORT = '''
import json, sys
import bpy  # first: it puts Blender's script modules such as addon_utils on sys.path
import addon_utils

zip_path, blend_path, destination, module = sys.argv[1:5]
package = 'bl_ext.user_default.watchtower_blender_addon'
sys.path.insert(0, sys.argv[5])
from tests.test_tracker_authoring import author_example, new_edit_scene

handlers_before = {name: len(getattr(bpy.app.handlers, name)) for name in dir(bpy.app.handlers)
                   if isinstance(getattr(bpy.app.handlers, name), list)}
menu_before = len(bpy.types.TOPBAR_MT_file_export._dyn_ui_initialize())
report = {}
report['install'] = sorted(bpy.ops.extensions.package_install_files(
    filepath=zip_path, repo='user_default', enable_on_install=True))
report['enabled'] = addon_utils.check(module)[1]
report['menu_added'] = len(bpy.types.TOPBAR_MT_file_export._dyn_ui_initialize()) - menu_before

avatar_path = blend_path.replace('.blend', '-avatar.png')
avatar = bpy.data.images.new('avatar', 8, 8)
avatar.filepath_raw = avatar_path
avatar.file_format = 'PNG'
avatar.save()
scene = new_edit_scene(package)
author_example(scene, avatar_path, package)
bpy.ops.wm.save_as_mainfile(filepath=blend_path)
report['export'] = sorted(bpy.ops.watchtower.export(
    directory=destination, use_file_browser=False, video=False))

report['disable'] = sorted(bpy.ops.preferences.addon_disable(module=module))
report['enabled_after'] = addon_utils.check(module)[1]
report['leftover_classes'] = [name for name in dir(bpy.types)
                              if 'WATCHTOWER' in name or 'watchtower' in name]
report['scene_property_left'] = hasattr(bpy.types.Scene, 'watchtower')
report['menu_left'] = len(bpy.types.TOPBAR_MT_file_export._dyn_ui_initialize()) - menu_before
report['handlers_changed'] = [name for name, count in handlers_before.items()
                              if len(getattr(bpy.app.handlers, name)) != count]
report['leftover_modules'] = [name for name in sys.modules if name.startswith(package + '.')
                              and 'background' in name]
print('REPORT ' + json.dumps(report))
'''


@pytest.fixture(scope='module')
def installed_run(extension_zip: Path, tmp_path_factory: Any) -> dict[str, Any]:
    work = tmp_path_factory.mktemp('installed')
    environment = dict(os.environ, BLENDER_USER_RESOURCES=str(work / 'blender-user'))
    command = [
        sys.executable,
        '-c',
        INSTALL_AND_EXPORT,
        str(extension_zip),
        str(work / 'edit.blend'),
        str(work / 'site-from-addon'),
        MODULE,
        str(REPOSITORY),
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith('REPORT ')]
    assert lines, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(lines[-1][len('REPORT ') :])
    report['work'] = work
    return report


def test_extension_installs_and_enables(installed_run: dict[str, Any]) -> None:
    assert installed_run['install'] == ['FINISHED']
    assert installed_run['enabled'] is True
    assert installed_run['menu_added'] == 1


def test_extension_export_operator_finishes(installed_run: dict[str, Any]) -> None:
    assert installed_run['export'] == ['FINISHED']
    index = installed_run['work'] / 'site-from-addon' / 'data' / 'projects-list' / 'index.json'
    projects = json.loads(index.read_text())['projects']
    assert [project['name'] for project in projects] == ['Tracker Test']


def test_extension_disables_cleanly(installed_run: dict[str, Any]) -> None:
    assert installed_run['disable'] == ['FINISHED']
    assert installed_run['enabled_after'] is False
    assert installed_run['leftover_classes'] == []
    assert installed_run['scene_property_left'] is False
    assert installed_run['menu_left'] == 0
    assert installed_run['handlers_changed'] == []


def test_headless_export_matches_addon_export(installed_run: dict[str, Any]) -> None:
    work = installed_run['work']
    headless = work / 'site-headless'
    result = subprocess.run(
        [sys.executable, '-m', 'watchtower_blender_addon', 'export', str(work / 'edit.blend')]
        + ['-d', str(headless), '--no-video'],
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    index = json.loads((headless / 'data' / 'projects-list' / 'index.json').read_text())
    project_dir = Path('data') / 'projects' / index['projects'][0]['id']
    for name in SITE_FILES:
        from_addon = (work / 'site-from-addon' / project_dir / name).read_bytes()
        assert (headless / project_dir / name).read_bytes() == from_addon, name


def team_avatar(project: dict[str, Any], name: str) -> str:
    members = [member for member in project['team'] if member['full_name'] == name]
    assert members[0]['has_avatar'] is True
    return str(members[0]['thumbnailUrl'])


def test_addon_export_writes_tracker_data(installed_run: dict[str, Any]) -> None:
    site = installed_run['work'] / 'site-from-addon'
    index = json.loads((site / 'data' / 'projects-list' / 'index.json').read_text())
    project_dir = site / 'data' / 'projects' / index['projects'][0]['id']
    project = json.loads((project_dir / 'project.json').read_text())
    shots = {shot['name']: shot for shot in json.loads((project_dir / 'shots.json').read_text())}
    casting = json.loads((project_dir / 'casting.json').read_text())
    assets = {
        asset['name']: asset for asset in json.loads((project_dir / 'assets.json').read_text())
    }
    statuses = {status['name']: status['id'] for status in project['task_statuses']}
    team = {member['full_name']: member['id'] for member in project['team']}

    assert len(project['task_types']) == 8
    assert [task['task_status_id'] for task in shots['sh020']['tasks']] == [statuses['Retake']]
    assert shots['sh010']['tasks'][1]['assignees'] == [team['Jade'], team['Ravi']]
    assert (site / team_avatar(project, 'Jade')).is_file()
    assert (site / assets['Rex']['thumbnailUrl']).is_file()
    cast_by_shot = {entry['shot_id']: entry['asset_ids'] for entry in casting}
    assert cast_by_shot[shots['sh010']['id']] == [assets['Rex']['id']]
    assert assets['Rex']['tasks'][0]['task_status_id'] == statuses['Done']
