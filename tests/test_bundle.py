"""Bundling an export with the Watchtower web client into DEST/watchtower."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
from pathlib import Path

import av
import pytest

from watchtower_blender_addon.core import bundle
from watchtower_blender_addon.core.bundle import bundle_site, find_client_dir
from watchtower_blender_addon.core.errors import InputError

PROJECT_A = 'aaaa0000-0000-4000-8000-000000000001'
PROJECT_B = 'bbbb0000-0000-4000-8000-000000000002'


def write_export(destination: Path, project_id: str, name: str, shots: str = '[]') -> None:
    """Write a minimal export of one project and add it to DEST/data's project list."""
    data = destination / 'data'
    project = data / 'projects' / project_id
    (project / 'previews' / 'sh').mkdir(parents=True, exist_ok=True)
    (project / 'project.json').write_text(json.dumps({'id': project_id, 'name': name}))
    (project / 'shots.json').write_text(shots)
    (project / 'previews' / 'sh' / 'shot.png').write_bytes(b'png of ' + name.encode())
    thumbnail = data / 'projects-list' / 'previews' / project_id[:2] / f'{project_id}.png'
    thumbnail.parent.mkdir(parents=True, exist_ok=True)
    thumbnail.write_bytes(b'thumbnail of ' + name.encode())

    index_path = data / 'projects-list' / 'index.json'
    entries = json.loads(index_path.read_text())['projects'] if index_path.exists() else []
    entries = [e for e in entries if e['id'] != project_id]
    entries.append(
        {'id': project_id, 'name': name, 'thumbnailUrl': str(thumbnail.relative_to(destination))}
    )
    index_path.write_text(json.dumps({'projects': entries}))


@pytest.fixture
def client_dir(tmp_path: Path) -> Path:
    """A stand-in for the built client: index.html, a hashed asset and macOS litter."""
    client = tmp_path / 'client'
    (client / 'assets').mkdir(parents=True)
    (client / 'data').mkdir()
    (client / 'index.html').write_text('<div id="app"></div>')
    (client / 'assets' / 'index-1234.js').write_text('console.log(1)')
    (client / '.DS_Store').write_bytes(b'junk')
    (client / 'data' / '.DS_Store').write_bytes(b'junk')
    return client


def read_index(site: Path) -> list[dict]:
    return json.loads((site / 'data' / 'projects-list' / 'index.json').read_text())['projects']


def decode_png(path: Path) -> tuple[int, int, tuple[int, int, int]]:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    pixels = frame.to_ndarray(format='rgb24')
    return frame.width, frame.height, tuple(int(v) for v in pixels[0, 0])


def test_bundle_holds_client_and_data(tmp_path: Path, client_dir: Path) -> None:
    write_export(tmp_path, PROJECT_A, 'Alpha')

    site = bundle_site(tmp_path, client_dir)

    assert site == tmp_path / 'watchtower'
    assert (site / 'index.html').read_text() == '<div id="app"></div>'
    assert (site / 'assets' / 'index-1234.js').is_file()
    assert (site / 'data' / 'projects' / PROJECT_A / 'project.json').is_file()
    assert (site / 'data' / 'projects' / PROJECT_A / 'previews' / 'sh' / 'shot.png').is_file()
    assert [e['id'] for e in read_index(site)] == [PROJECT_A]
    thumbnail_url = read_index(site)[0]['thumbnailUrl']
    assert (site / thumbnail_url).read_bytes() == b'thumbnail of Alpha'


def test_bundle_keeps_source_data(tmp_path: Path, client_dir: Path) -> None:
    write_export(tmp_path, PROJECT_A, 'Alpha')

    bundle_site(tmp_path, client_dir)

    assert (tmp_path / 'data' / 'projects' / PROJECT_A / 'project.json').is_file()
    assert (tmp_path / 'data' / 'projects-list' / 'index.json').is_file()


def test_bundle_skips_macos_files(tmp_path: Path, client_dir: Path) -> None:
    write_export(tmp_path, PROJECT_A, 'Alpha')

    site = bundle_site(tmp_path, client_dir)

    assert sorted(p.name for p in site.rglob('.DS_Store')) == []


def test_bundle_skips_lock_and_staging_folders(tmp_path: Path, client_dir: Path) -> None:
    write_export(tmp_path, PROJECT_A, 'Alpha')
    staging = tmp_path / 'data' / 'projects' / '.staging-1234'
    staging.mkdir()
    (staging / 'owner.json').write_text('{}')

    site = bundle_site(tmp_path, client_dir)

    assert not (site / 'data' / 'projects' / '.staging-1234').exists()
    assert not (site / 'data' / '.watchtower.lock').exists()


@pytest.mark.parametrize(
    ('relative_path', 'size'),
    [
        ('static/img/placeholder-asset.png', (150, 100)),
        ('static/img/placeholder-user.png', (400, 400)),
    ],
)
def test_placeholder_images_decode_at_slot_size(
    tmp_path: Path, client_dir: Path, relative_path: str, size: tuple[int, int]
) -> None:
    write_export(tmp_path, PROJECT_A, 'Alpha')

    site = bundle_site(tmp_path, client_dir)

    width, height, rgb = decode_png(site / relative_path)
    assert (width, height) == size
    assert rgb == bundle.PLACEHOLDER_RGB
    assert (site / relative_path).stat().st_size < 2000


def test_rebundle_keeps_other_projects(tmp_path: Path, client_dir: Path) -> None:
    other = tmp_path / 'other-destination'
    write_export(other, PROJECT_B, 'Beta')
    bundle_site(other, client_dir)
    write_export(tmp_path, PROJECT_A, 'Alpha')
    # A bundle that already contains project B, which DEST/data does not list.
    shutil.copytree(other / 'watchtower', tmp_path / 'watchtower')

    site = bundle_site(tmp_path, client_dir)

    assert [e['id'] for e in read_index(site)] == [PROJECT_B, PROJECT_A]
    assert (site / 'data' / 'projects' / PROJECT_B / 'project.json').is_file()
    assert (site / read_index(site)[0]['thumbnailUrl']).read_bytes() == b'thumbnail of Beta'


def test_rebundle_replaces_project_entry_and_folder(tmp_path: Path, client_dir: Path) -> None:
    write_export(tmp_path, PROJECT_A, 'Alpha')
    write_export(tmp_path, PROJECT_B, 'Beta')
    site = bundle_site(tmp_path, client_dir)
    stale_file = site / 'data' / 'projects' / PROJECT_A / 'previews' / 'old' / 'gone.png'
    stale_file.parent.mkdir(parents=True)
    stale_file.write_bytes(b'from an earlier export')
    write_export(tmp_path, PROJECT_A, 'Alpha renamed', shots='[{"id": "s1"}]')

    bundle_site(tmp_path, client_dir)

    assert [(e['id'], e['name']) for e in read_index(site)] == [
        (PROJECT_A, 'Alpha renamed'),
        (PROJECT_B, 'Beta'),
    ]
    assert not stale_file.exists()
    shots = json.loads((site / 'data' / 'projects' / PROJECT_A / 'shots.json').read_text())
    assert shots == [{'id': 's1'}]


def test_bundle_without_export_raises(tmp_path: Path, client_dir: Path) -> None:
    with pytest.raises(InputError, match='index.json not found'):
        bundle_site(tmp_path, client_dir)


def test_bundle_rejects_invalid_project_list(tmp_path: Path, client_dir: Path) -> None:
    write_export(tmp_path, PROJECT_A, 'Alpha')
    (tmp_path / 'data' / 'projects-list' / 'index.json').write_text('{"projects": {}}')

    with pytest.raises(InputError, match="'projects' list"):
        bundle_site(tmp_path, client_dir)


def test_installed_client_is_found_from_distribution() -> None:
    client = find_client_dir()

    assert client.name == 'dist_client_web'
    assert (client / 'index.html').is_file()
    assert list((client / 'assets').glob('ProjectDetailView-*.js'))


def test_installed_client_bundles_with_index_page(tmp_path: Path) -> None:
    write_export(tmp_path, PROJECT_A, 'Alpha')

    site = bundle_site(tmp_path)

    assert '<div id="app">' in (site / 'index.html').read_text()
    assert list((site / 'assets').glob('index-*.js'))


def test_client_dir_option_wins(client_dir: Path) -> None:
    assert find_client_dir(client_dir) == client_dir


def test_client_dir_without_index_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError, match='no index.html'):
        find_client_dir(tmp_path)


def test_missing_client_names_both_fixes(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_distribution(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, 'distribution', no_distribution)

    with pytest.raises(InputError) as raised:
        find_client_dir()
    message = str(raised.value)
    assert "pip install 'watchtower-blender-addon[viewer]'" in message
    assert '--client-dir DIR' in message
    assert '\n' not in message
