"""The local static server: byte ranges, media types, no way out of the site root."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from watchtower_blender_addon.core.errors import InputError
from watchtower_blender_addon.core.serve import (
    RangeNotSatisfiable,
    make_server,
    parse_range,
    serve_main,
    site_root,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
VIDEO_BYTES = bytes(range(256)) * 4  # 1024 bytes, each position distinguishable
FILES = {
    'index.html': b'<div id="app"></div>',
    'assets/index-1234.js': b'console.log(1)',
    'assets/index-1234.css': b'body {}',
    'favicon.ico': b'\x00\x00\x01\x00',
    'static/img/placeholder-asset.png': b'\x89PNG',
    'logo.svg': b'<svg/>',
    'data/projects-list/index.json': b'{"projects": []}',
    'data/projects/p1/edit.mp4': VIDEO_BYTES,
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / 'site'
    for relative_path, content in FILES.items():
        (root / relative_path).parent.mkdir(parents=True, exist_ok=True)
        (root / relative_path).write_bytes(content)
    (tmp_path / 'secret.txt').write_bytes(b'outside the site')
    return root


@pytest.fixture
def server_port(site: Path) -> Iterator[int]:
    server = make_server(site, '127.0.0.1', 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


def request(port: int, path: str, headers: dict[str, str] | None = None, method: str = 'GET'):
    """Send one raw request (no URL normalisation) and return (response, body)."""
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def test_whole_file_advertises_ranges(server_port: int) -> None:
    response, body = request(server_port, '/data/projects/p1/edit.mp4')

    assert response.status == 200
    assert body == VIDEO_BYTES
    assert response.getheader('Accept-Ranges') == 'bytes'
    assert response.getheader('Content-Length') == str(len(VIDEO_BYTES))


def test_range_returns_partial_content(server_port: int) -> None:
    response, body = request(server_port, '/data/projects/p1/edit.mp4', {'Range': 'bytes=10-19'})

    assert response.status == 206
    assert body == VIDEO_BYTES[10:20]
    assert response.getheader('Content-Range') == 'bytes 10-19/1024'
    assert response.getheader('Content-Length') == '10'
    assert response.getheader('Content-Type') == 'video/mp4'


def test_open_ended_range_runs_to_end(server_port: int) -> None:
    response, body = request(server_port, '/data/projects/p1/edit.mp4', {'Range': 'bytes=1000-'})

    assert response.status == 206
    assert body == VIDEO_BYTES[1000:]
    assert response.getheader('Content-Range') == 'bytes 1000-1023/1024'


def test_suffix_range_returns_last_bytes(server_port: int) -> None:
    response, body = request(server_port, '/data/projects/p1/edit.mp4', {'Range': 'bytes=-5'})

    assert response.status == 206
    assert body == VIDEO_BYTES[-5:]
    assert response.getheader('Content-Range') == 'bytes 1019-1023/1024'


def test_range_past_end_is_clipped(server_port: int) -> None:
    response, body = request(
        server_port, '/data/projects/p1/edit.mp4', {'Range': 'bytes=1020-5000'}
    )

    assert response.status == 206
    assert body == VIDEO_BYTES[1020:]
    assert response.getheader('Content-Range') == 'bytes 1020-1023/1024'


def test_unsatisfiable_range_returns_416(server_port: int) -> None:
    response, body = request(server_port, '/data/projects/p1/edit.mp4', {'Range': 'bytes=1024-'})

    assert response.status == 416
    assert response.getheader('Content-Range') == 'bytes */1024'
    assert body == b''


def test_head_sends_range_headers_without_body(server_port: int) -> None:
    response, body = request(
        server_port, '/data/projects/p1/edit.mp4', {'Range': 'bytes=0-99'}, method='HEAD'
    )

    assert response.status == 206
    assert response.getheader('Content-Length') == '100'
    assert body == b''


@pytest.mark.parametrize(
    ('header', 'expected'),
    [
        (None, None),
        ('bytes=0-0', (0, 0)),
        ('bytes=5-', (5, 99)),
        ('bytes=-1', (99, 99)),
        ('bytes=-500', (0, 99)),
        ('bytes=0-1,5-6', None),
        ('items=0-1', None),
        ('bytes=9-2', None),
        ('bytes=-', None),
    ],
)
def test_parse_range_cases(header: str | None, expected: object) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize(
    ('header', 'size'), [('bytes=100-', 100), ('bytes=-0', 100), ('bytes=-1', 0)]
)
def test_parse_range_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, size)


@pytest.mark.parametrize(
    ('path', 'media_type'),
    [
        ('/', 'text/html'),
        ('/index.html', 'text/html'),
        ('/assets/index-1234.js', 'text/javascript'),
        ('/assets/index-1234.css', 'text/css'),
        ('/data/projects-list/index.json', 'application/json'),
        ('/data/projects/p1/edit.mp4', 'video/mp4'),
        ('/static/img/placeholder-asset.png', 'image/png'),
        ('/logo.svg', 'image/svg+xml'),
        ('/favicon.ico', 'image/x-icon'),
    ],
)
def test_media_types(server_port: int, path: str, media_type: str) -> None:
    response, _ = request(server_port, path)

    assert response.status == 200
    assert response.getheader('Content-Type') == media_type


def test_query_string_is_ignored(server_port: int) -> None:
    response, body = request(server_port, '/data/projects-list/index.json?v=2')

    assert response.status == 200
    assert body == b'{"projects": []}'


@pytest.mark.parametrize(
    'path', ['/../secret.txt', '/data/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']
)
def test_traversal_is_rejected(server_port: int, path: str) -> None:
    response, body = request(server_port, path)

    assert response.status == 403
    assert b'outside the site' not in body


def test_symlink_out_of_root_is_rejected(server_port: int, site: Path) -> None:
    (site / 'link.txt').symlink_to(site.parent / 'secret.txt')

    response, body = request(server_port, '/link.txt')

    assert response.status == 403
    assert b'outside the site' not in body


def test_folder_without_index_is_not_listed(server_port: int) -> None:
    response, body = request(server_port, '/data/projects/')

    assert response.status == 404
    assert b'p1' not in body


def test_missing_file_returns_404(server_port: int) -> None:
    response, _ = request(server_port, '/data/nothing.json')

    assert response.status == 404


def test_site_root_prefers_bundle(tmp_path: Path) -> None:
    (tmp_path / 'watchtower').mkdir()
    (tmp_path / 'watchtower' / 'index.html').write_text('client')

    assert site_root(tmp_path) == tmp_path / 'watchtower'


def test_site_root_without_bundle_is_destination(tmp_path: Path) -> None:
    assert site_root(tmp_path) == tmp_path


def test_site_root_of_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError, match='folder not found'):
        site_root(tmp_path / 'missing')


def test_serve_main_rejects_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    status = serve_main([str(tmp_path / 'missing')])

    assert status == 2
    assert 'folder not found' in capsys.readouterr().err


def test_serve_main_stops_on_ctrl_c(site: Path) -> None:
    code = (
        'import sys\n'
        'from watchtower_blender_addon.core.serve import serve_main\n'
        'sys.exit(serve_main(sys.argv[1:]))\n'
    )
    environment = {**os.environ, 'PYTHONPATH': str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, '-c', code, str(site), '--port', '0'],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        first_line = process.stdout.readline()
        port = int(first_line.rsplit(':', 1)[1].strip(' /\n'))
        _, body = request(port, '/')
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=30)
    finally:
        process.kill()

    assert first_line.startswith(f'Serving {site} at http://127.0.0.1:')
    assert port != 0
    assert body == FILES['index.html']
    assert status == 0


def test_port_out_of_range_is_one_error_line(tmp_path):
    completed = subprocess.run(
        [sys.executable, '-m', 'watchtower_blender_addon', 'serve', str(tmp_path), '--port',
         '99999'],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        "error: argument --port: invalid port 99999: expected 0 to 65535 "
        "(run with --help to list the options)"
    ]


def test_file_given_as_destination_is_named(tmp_path):
    regular_file = tmp_path / "notes.txt"
    regular_file.write_text("not a site\n")
    completed = subprocess.run(
        [sys.executable, '-m', 'watchtower_blender_addon', 'serve', str(regular_file)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        f"error: {regular_file}: is a file; give the export's destination folder"
    )
