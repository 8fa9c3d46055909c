"""Thumbnail downloads against a local HTTP server on 127.0.0.1."""

import hashlib

import pytest
from conftest import GOOD_PNG, LARGE_BODY_BYTES

from watchtower_blender_addon.core import media, models
from watchtower_blender_addon.core.errors import ExportFailed


def test_fetch_image_writes_png_body(image_server, tmp_path):
    destination = tmp_path / 'a' / 'b.png'
    media.fetch_image(image_server.url('/good.png'), destination)
    assert destination.read_bytes() == GOOD_PNG


def test_fetch_image_accepts_jpeg(image_server, tmp_path):
    destination = tmp_path / 'photo.png'
    media.fetch_image(image_server.url('/photo.jpg'), destination)
    assert destination.read_bytes().startswith(b'\xff\xd8\xff')


def test_fetch_image_rejects_non_image_body(image_server, tmp_path):
    destination = tmp_path / 'page.png'
    url = image_server.url('/page.html')
    with pytest.raises(ExportFailed, match='not a PNG or JPEG') as raised:
        media.fetch_image(url, destination)
    assert url in str(raised.value)
    assert not destination.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('path', ['/large-declared.png', '/large-undeclared.png'])
def test_fetch_image_rejects_body_over_cap(image_server, tmp_path, path):
    destination = tmp_path / 'large.png'
    with pytest.raises(ExportFailed, match='larger than') as raised:
        media.fetch_image(image_server.url(path), destination, max_bytes=LARGE_BODY_BYTES // 2)
    assert path in str(raised.value)
    assert not destination.exists()


def test_fetch_image_accepts_body_under_cap(image_server, tmp_path):
    destination = tmp_path / 'large.png'
    media.fetch_image(
        image_server.url('/large-undeclared.png'), destination, max_bytes=LARGE_BODY_BYTES * 2
    )
    assert destination.stat().st_size == len(GOOD_PNG) + LARGE_BODY_BYTES


def test_fetch_image_times_out_on_silent_server(image_server, tmp_path):
    destination = tmp_path / 'slow.png'
    url = image_server.url('/slow.png')
    with pytest.raises(ExportFailed, match='timed out') as raised:
        media.fetch_image(url, destination, timeout=0.3)
    assert url in str(raised.value)
    assert not destination.exists()


def test_fetch_image_reports_http_error(image_server, tmp_path):
    url = image_server.url('/missing.png')
    with pytest.raises(ExportFailed, match='404') as raised:
        media.fetch_image(url, tmp_path / 'missing.png')
    assert url in str(raised.value)
    assert '\n' not in str(raised.value)


@pytest.mark.parametrize(
    'url', ['file:///etc/hostname', 'ftp://127.0.0.1/a.png', 'data:image/png;base64,AAAA']
)
def test_fetch_image_rejects_other_schemes(tmp_path, url):
    with pytest.raises(ExportFailed, match='scheme must be http or https') as raised:
        media.fetch_image(url, tmp_path / 'x.png')
    assert url in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_thumbnail_url_replaced_by_site_path(image_server, tmp_path):
    url = image_server.url('/good.png')
    shot = models.Shot(name='SH010', sequence_id='sq', data={'frame_in': 0, 'frame_out': 5})
    shot.thumbnailUrl = url
    shot.download_and_assign_thumbnail(tmp_path, path='projects/p1/previews')
    digest = hashlib.md5(url.encode()).hexdigest()
    expected = f'data/projects/p1/previews/{digest[:2]}/{digest}.png'
    assert shot.thumbnailUrl == expected
    assert (tmp_path / expected).read_bytes() == GOOD_PNG


def test_existing_thumbnail_not_downloaded_again(image_server, tmp_path):
    url = image_server.url('/good.png')
    for _ in range(2):
        user = models.User(name='Jade', thumbnailUrl=url)
        user.download_and_assign_thumbnail(tmp_path)
    assert image_server.server.request_paths == ['/good.png']


def test_forced_thumbnail_downloaded_again(image_server, tmp_path):
    url = image_server.url('/good.png')
    for _ in range(2):
        user = models.User(name='Jade', thumbnailUrl=url)
        user.download_and_assign_thumbnail(tmp_path, force=True)
    assert image_server.server.request_paths == ['/good.png', '/good.png']


@pytest.mark.parametrize('value', ['data/x/y.png', None, ''])
def test_site_relative_thumbnail_left_as_is(tmp_path, value):
    asset = models.Asset(name='Rex', asset_type_id='at', thumbnailUrl=value)
    asset.download_and_assign_thumbnail(tmp_path)
    assert asset.thumbnailUrl == value
    assert list(tmp_path.iterdir()) == []


def test_file_url_thumbnail_rejected(tmp_path):
    asset = models.Asset(name='Rex', asset_type_id='at', thumbnailUrl='file:///etc/hostname')
    with pytest.raises(ExportFailed, match='file:///etc/hostname'):
        asset.download_and_assign_thumbnail(tmp_path)
