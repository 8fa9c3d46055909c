"""Writers: the files of a project, the merged project index and deterministic output."""

import json
import sys
import types

import pytest
from synthetic import OTHER_PROJECT_ID, PROJECT_ID, build_project

from watchtower_blender_addon.core import models, writers
from watchtower_blender_addon.core.errors import ExportFailed, InputError
from watchtower_blender_addon.core.progress import Progress

PROJECT_FILES = ['project', 'edit', 'assets', 'shots', 'sequences', 'casting']


class SyntheticWriter(writers.AbstractWriter):
    """Writes projects built by ``synthetic.build_project`` with our models."""

    def __init__(self, *projects):
        self.projects = {}
        for project_id, name in projects:
            self.projects[project_id] = build_project(models, project_id=project_id, name=name)

    @property
    def request_headers(self):
        return None

    def get_project_list(self):
        return [parts[0] for parts in self.projects.values()]

    def get_project(self, project_id):
        return self.projects[project_id][1]

    def get_project_sequences(self, project):
        return self.projects[project.id][2]

    def get_project_shots(self, project):
        return self.projects[project.id][3]

    def get_project_assets(self, project):
        return self.projects[project.id][4]

    def get_project_casting(self, project, sequences, shots, assets):
        return self.projects[project.id][5]

    def get_project_edit(self, project):
        return self.projects[project.id][6]


def index_path(destination):
    return destination / 'data' / 'projects-list' / 'index.json'


def read_index(destination):
    return json.loads(index_path(destination).read_text(encoding='utf-8'))


def all_files(destination):
    return {
        path.relative_to(destination).as_posix(): path.read_bytes()
        for path in sorted(destination.rglob('*'))
        if path.is_file()
    }


def test_write_creates_every_project_file(tmp_path):
    destination = tmp_path / 'new' / 'site'
    SyntheticWriter((PROJECT_ID, 'Spring')).write(destination)
    for name in PROJECT_FILES:
        assert (destination / f'data/projects/{PROJECT_ID}/{name}.json').is_file(), name
    assert read_index(destination) == {
        'projects': [{'id': PROJECT_ID, 'name': 'Spring', 'thumbnailUrl': None}]
    }


def test_json_is_indented_utf8_with_newline(tmp_path):
    SyntheticWriter((PROJECT_ID, 'Été')).write(tmp_path)
    raw = (tmp_path / f'data/projects/{PROJECT_ID}/project.json').read_bytes()
    assert raw.endswith(b'}\n')
    assert raw.startswith(b'{\n  "id": ')
    assert 'Élodie Été'.encode() in raw
    assert b'\\u' not in raw


def test_shots_keys_follow_field_order(tmp_path):
    SyntheticWriter((PROJECT_ID, 'Spring')).write(tmp_path)
    text = (tmp_path / f'data/projects/{PROJECT_ID}/shots.json').read_text(encoding='utf-8')
    shot = json.loads(text)[0]
    assert list(shot) == [
        'id',
        'name',
        'sequence_id',
        'data',
        'tasks',
        'startFrame',
        'durationSeconds',
        'thumbnailUrl',
        'fps',
    ]


def test_second_write_is_byte_identical(tmp_path):
    first = tmp_path / 'first'
    second = tmp_path / 'second'
    SyntheticWriter((PROJECT_ID, 'Spring')).write(first)
    before = all_files(first)
    SyntheticWriter((PROJECT_ID, 'Spring')).write(first)
    SyntheticWriter((PROJECT_ID, 'Spring')).write(second)
    assert all_files(first) == before
    assert all_files(second) == before


def test_index_merge_keeps_other_projects(tmp_path):
    SyntheticWriter((OTHER_PROJECT_ID, 'Other')).write(tmp_path)
    SyntheticWriter((PROJECT_ID, 'Spring')).write(tmp_path)
    ids = [entry['id'] for entry in read_index(tmp_path)['projects']]
    assert ids == [OTHER_PROJECT_ID, PROJECT_ID]
    assert (tmp_path / f'data/projects/{OTHER_PROJECT_ID}/shots.json').is_file()


def test_index_merge_replaces_entry_in_place(tmp_path):
    SyntheticWriter((PROJECT_ID, 'Old name'), (OTHER_PROJECT_ID, 'Other')).write(tmp_path)
    SyntheticWriter((PROJECT_ID, 'New name')).write(tmp_path)
    projects = read_index(tmp_path)['projects']
    assert [entry['id'] for entry in projects] == [PROJECT_ID, OTHER_PROJECT_ID]
    assert projects[0]['name'] == 'New name'
    assert projects[1]['name'] == 'Other'


def test_index_merge_keeps_unknown_entry_fields(tmp_path):
    path = index_path(tmp_path)
    path.parent.mkdir(parents=True)
    foreign = {'id': 'foreign', 'name': 'Foreign', 'thumbnailUrl': None, 'extra': [1, 2]}
    path.write_text(json.dumps({'projects': [foreign]}), encoding='utf-8')
    writers.merge_project_list(path, [{'id': 'new', 'name': 'New', 'thumbnailUrl': None}])
    assert read_index(tmp_path)['projects'] == [
        foreign,
        {'id': 'new', 'name': 'New', 'thumbnailUrl': None},
    ]


def test_merge_entries_drops_repeated_existing_ids():
    existing = [{'id': 'a', 'v': 1}, {'id': 'b', 'v': 1}, {'id': 'a', 'v': 2}]
    merged = writers.merge_project_entries(existing, [{'id': 'c', 'v': 3}])
    assert merged == [{'id': 'a', 'v': 1}, {'id': 'b', 'v': 1}, {'id': 'c', 'v': 3}]


@pytest.mark.parametrize(
    'content',
    [
        '{"projects": [',
        '[]',
        '{"projects": {"id": "x"}}',
        '{"projects": [{"name": "no id"}]}',
        '{"projects": [{"id": 7}]}',
        '{"other": []}',
    ],
)
def test_malformed_index_raises_and_stays(tmp_path, content):
    path = index_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding='utf-8')
    with pytest.raises(ExportFailed) as raised:
        SyntheticWriter((PROJECT_ID, 'Spring')).write(tmp_path)
    assert str(path) in str(raised.value)
    assert path.read_text(encoding='utf-8') == content
    assert sorted(p.name for p in path.parent.iterdir()) == ['index.json']


def test_destination_that_is_a_file_raises(tmp_path):
    destination = tmp_path / 'file'
    destination.write_text('x')
    with pytest.raises(InputError, match='not a folder'):
        SyntheticWriter((PROJECT_ID, 'Spring')).write(destination)


@pytest.mark.parametrize('project_id', ['../escape', 'a/b', '..', 'a\\b'])
def test_project_id_with_path_separator_raises(tmp_path, project_id):
    with pytest.raises(InputError, match='Invalid project id'):
        SyntheticWriter((project_id, 'Bad')).write(tmp_path / 'site')
    assert not (tmp_path / 'escape').exists()


def test_unserializable_value_raises_naming_file(tmp_path):
    _item, project, sequences, shots, assets, casting, edit = build_project(models)
    project.fps = float('nan')
    writer = writers.ProjectWriter(project, shots, assets, sequences, edit, casting, tmp_path)
    with pytest.raises(ExportFailed, match='project.json'):
        writer.write_as_json()


def test_downloads_report_progress(image_server, tmp_path):
    class Recorder(Progress):
        def __init__(self):
            self.events = []

        def step(self, message):
            self.events.append(('step', message))

        def update(self, done, total):
            self.events.append(('update', done, total))

    writer = SyntheticWriter((PROJECT_ID, 'Spring'))
    writer.projects[PROJECT_ID][0].thumbnailUrl = image_server.url('/good.png')
    recorder = Recorder()
    writer.write(tmp_path, progress=recorder)
    assert recorder.events[:2] == [('step', 'Downloading project thumbnails'), ('update', 1, 1)]
    assert ('update', 3, 3) in recorder.events
    thumbnail = read_index(tmp_path)['projects'][0]['thumbnailUrl']
    assert thumbnail.startswith('data/projects-list/previews/')
    assert (tmp_path / thumbnail).is_file()


def test_bundler_calls_bundle_site_lazily(monkeypatch, tmp_path):
    calls = []
    fake = types.ModuleType('watchtower_blender_addon.core.bundle')
    fake.bundle_site = lambda destination, client_dir=None, progress=None: calls.append(
        (destination, client_dir, progress)
    )
    monkeypatch.setitem(sys.modules, 'watchtower_blender_addon.core.bundle', fake)
    writers.WatchtowerBundler.bundle(tmp_path, client_dir='client')
    assert calls == [(tmp_path, 'client', None)]
