"""The documented starter script of watchtower_pipeline runs with this package's core.

fixtures/starter_writer.py is that script with its import line changed to this
package and its method bodies filled with a three-shot project.
"""

import json
import os
import pathlib
import subprocess
import sys

import watchtower_blender_addon

SCRIPT = pathlib.Path(__file__).parent / 'fixtures' / 'starter_writer.py'
REPOSITORY = pathlib.Path(watchtower_blender_addon.__file__).parent.parent


def run_script(*args):
    environment = dict(os.environ)
    environment['PYTHONPATH'] = os.pathsep.join(
        filter(None, [str(REPOSITORY), environment.get('PYTHONPATH')])
    )
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def load(destination, relative_path):
    return json.loads((destination / relative_path).read_text(encoding='utf-8'))


def test_starter_script_writes_site_data(tmp_path):
    destination = tmp_path / 'created' / 'by' / 'writer'
    result = run_script('-d', str(destination))
    assert result.returncode == 0, result.stderr
    project_folder = 'data/projects/starter-project'

    index = load(destination, 'data/projects-list/index.json')
    assert index == {
        'projects': [{'id': 'starter-project', 'name': 'Starter Project', 'thumbnailUrl': None}]
    }
    project = load(destination, f'{project_folder}/project.json')
    assert project['fps'] == 25
    assert project['team'] == [
        {
            'id': 'u-jade',
            'name': 'Jade Doe',
            'full_name': 'Jade Doe',
            'thumbnailUrl': None,
            'has_avatar': False,
        }
    ]
    shots = load(destination, f'{project_folder}/shots.json')
    assert [(shot['startFrame'], shot['durationSeconds']) for shot in shots] == [
        (0, 1.0),
        (25, 1.0),
        (50, 1.0),
    ]
    assert shots[0]['tasks'][0]['assignees'] == ['u-jade']
    assert load(destination, f'{project_folder}/casting.json') == [
        {'shot_id': 'sh-2', 'asset_ids': ['as-lamp']}
    ]
    assert load(destination, f'{project_folder}/edit.json') == {
        'totalFrames': 75,
        'frameOffset': 0,
        'sourceName': 'data/projects/starter-project/edit.mp4',
        'sourceType': 'video/mp4',
    }
    assert load(destination, f'{project_folder}/sequences.json') == [
        {'id': 'sq-010', 'name': 'SQ010'}
    ]
    assert load(destination, f'{project_folder}/assets.json')[0]['asset_type_id'] == 'at-prop'


def test_starter_script_rejects_file_destination(tmp_path):
    path = tmp_path / 'file'
    path.write_text('x')
    result = run_script('-d', str(path))
    assert result.returncode == 2
    assert 'exists and is not a folder' in result.stderr
