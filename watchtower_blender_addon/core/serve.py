"""A local static web server for a bundled Watchtower site.

The standard library's ``http.server`` ignores ``Range`` headers, and browsers need byte
ranges to seek in edit.mp4, so this handler serves single byte ranges. It never lists a
folder and rejects any path that leaves the site root.
"""

from __future__ import annotations

import argparse
import functools
import http
import logging
import os
import re
import shutil
import sys
from collections.abc import Sequence
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

from .argparser import OneLineErrorParser
from .bundle import BUNDLE_FOLDER
from .errors import InputError, WatchtowerError

logger = logging.getLogger(__name__)

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 8000

MEDIA_TYPES = {
    '.css': 'text/css',
    '.html': 'text/html',
    '.ico': 'image/x-icon',
    '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg',
    '.js': 'text/javascript',
    '.json': 'application/json',
    '.map': 'application/json',
    '.mp4': 'video/mp4',
    '.png': 'image/png',
    '.svg': 'image/svg+xml',
    '.txt': 'text/plain',
    '.wasm': 'application/wasm',
    '.webm': 'video/webm',
    '.webp': 'image/webp',
    '.woff2': 'font/woff2',
}
FALLBACK_MEDIA_TYPE = 'application/octet-stream'

# One range only: "bytes=first-last", "bytes=first-" or "bytes=-suffix_length".
RANGE_PATTERN = re.compile(r'bytes=(\d*)-(\d*)')


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Serves files under ``directory`` with single byte ranges and fixed media types."""

    protocol_version = 'HTTP/1.1'
    # The byte range (first, last) of the response being sent, or None for the whole file.
    byte_range: tuple[int, int] | None = None

    def send_head(self) -> IO[bytes] | None:  # type: ignore[override]
        path = self._resolve_request_path()
        if path is None:
            return None

        try:
            stream = open(path, 'rb')  # noqa: SIM115 (the caller copies from it, then closes it)
        except OSError:
            self.send_error(http.HTTPStatus.NOT_FOUND, 'File not found')
            return None
        try:
            return self._send_file_head(path, stream)
        except BaseException:
            stream.close()
            raise

    def _resolve_request_path(self) -> Path | None:
        """Return the file the request names, or send an error and return None."""
        root = Path(self.directory).resolve()
        url_path = unquote(urlsplit(self.path).path)
        parts = url_path.split('/')
        if '..' in parts or '\\' in url_path or '\x00' in url_path:
            self.send_error(http.HTTPStatus.FORBIDDEN, 'Path leaves the site root')
            return None

        path = root.joinpath(*[part for part in parts if part not in ('', '.')])
        if path.is_dir():
            path = path / 'index.html'
        if root not in path.resolve().parents:
            # A symbolic link that points outside the site root.
            self.send_error(http.HTTPStatus.FORBIDDEN, 'Path leaves the site root')
            return None
        if not path.is_file():
            self.send_error(http.HTTPStatus.NOT_FOUND, 'File not found')
            return None
        return path

    def _send_file_head(self, path: Path, stream: IO[bytes]) -> IO[bytes] | None:
        size = os.fstat(stream.fileno()).st_size
        try:
            requested = parse_range(self.headers.get('Range'), size)
        except RangeNotSatisfiable:
            stream.close()
            self.send_response(http.HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header('Content-Range', f'bytes */{size}')
            self.send_header('Content-Length', '0')
            self.end_headers()
            return None

        self.byte_range = requested
        if requested is None:
            self.send_response(http.HTTPStatus.OK)
            self.send_header('Content-Length', str(size))
        else:
            first, last = requested
            self.send_response(http.HTTPStatus.PARTIAL_CONTENT)
            self.send_header('Content-Range', f'bytes {first}-{last}/{size}')
            self.send_header('Content-Length', str(last - first + 1))
        self.send_header('Content-Type', self.guess_type(path))
        self.send_header('Accept-Ranges', 'bytes')
        # A new export rewrites files in place, so the browser must ask again every time.
        self.send_header('Cache-Control', 'no-cache')
        self.send_header(
            'Last-Modified', self.date_time_string(int(os.fstat(stream.fileno()).st_mtime))
        )
        self.end_headers()
        return stream

    def copyfile(self, source: IO[bytes], outputfile: IO[bytes]) -> None:  # type: ignore[override]
        try:
            if self.byte_range is None:
                shutil.copyfileobj(source, outputfile)
            else:
                first, last = self.byte_range
                source.seek(first)
                _copy_length(source, outputfile, last - first + 1)
        except (BrokenPipeError, ConnectionResetError):
            # Browsers often drop a video download halfway to ask for another range.
            logger.debug("Client closed the connection during %s", self.path)
            self.close_connection = True

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return MEDIA_TYPES.get(Path(path).suffix.lower(), FALLBACK_MEDIA_TYPE)

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(http.HTTPStatus.NOT_FOUND, 'File not found')

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def log_error(self, format: str, *args: object) -> None:
        # send_error() logs here: missing files and rejected paths, with the request line.
        logger.warning("%s %r: %s", self.address_string(), self.requestline, format % args)


class RangeNotSatisfiable(ValueError):
    """The requested byte range starts at or after the end of the file."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Return the inclusive byte range that a ``Range`` header requests from a file of ``size``.

    Returns None when the whole file is to be sent: no header, a header this server does not
    handle (several ranges, other units) or a malformed one, which HTTP lets a server ignore.

    Raises:
        RangeNotSatisfiable: the range starts at or after the end of the file.
    """
    if header is None:
        return None
    match = RANGE_PATTERN.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == '':
        return None

    first_text, last_text = match.groups()
    if first_text == '':
        suffix_length = int(last_text)
        if suffix_length == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(0, size - suffix_length), size - 1

    first = int(first_text)
    if last_text and int(last_text) < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable(header)
    last = int(last_text) if last_text else size - 1
    return first, min(last, size - 1)


def _copy_length(source: IO[bytes], target: IO[bytes], length: int) -> None:
    while length > 0:
        chunk = source.read(min(length, 64 * 1024))
        if not chunk:
            break
        target.write(chunk)
        length -= len(chunk)


def site_root(destination: str | os.PathLike[str]) -> Path:
    """Return the folder to serve for ``destination``: its bundle if it has one, else itself.

    Raises:
        InputError: ``destination`` is not a folder.
    """
    destination = Path(destination)
    if destination.exists() and not destination.is_dir():
        raise InputError(f"{destination}: is a file; give the export's destination folder")
    if not destination.is_dir():
        raise InputError(f"{destination}: folder not found")
    bundle = destination / BUNDLE_FOLDER
    return bundle if (bundle / 'index.html').is_file() else destination


def make_server(
    root: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> ThreadingHTTPServer:
    """Create (without starting) a server for the files under ``root``; port 0 picks a free one."""
    handler = functools.partial(RangeRequestHandler, directory=str(root))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def tcp_port(value: str) -> int:
    """Parse a TCP port number, 0 to 65535."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port '{value}': expected a number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {port}: expected 0 to 65535")
    return port


def serve_main(argv: Sequence[str] | None = None) -> int:
    """Run ``serve DEST [--port N] [--host H]`` until Ctrl+C; return the exit status."""
    parser = OneLineErrorParser(
        prog='python -m watchtower_blender_addon serve',
        description="Serve an exported Watchtower site (its watchtower/ bundle if present).",
    )
    parser.add_argument('destination', metavar='DEST', help="export destination folder")
    parser.add_argument(
        '--port',
        type=tcp_port,
        default=DEFAULT_PORT,
        help="TCP port (default %(default)s, 0 = any free port)",
    )
    parser.add_argument(
        '--host', default=DEFAULT_HOST, help="address to listen on (default %(default)s)"
    )
    options = parser.parse_args(argv)

    try:
        root = site_root(options.destination)
        server = make_server(root, options.host, options.port)
    except WatchtowerError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_status
    except OSError as error:
        print(f"error: failed to listen on {options.host}:{options.port}: {error}", file=sys.stderr)
        return 1

    return _serve_until_interrupted(server, root, options.host)


def _serve_until_interrupted(server: ThreadingHTTPServer, root: Path, host: str) -> int:
    port = server.server_port
    if not (root / 'index.html').is_file():
        print(f"warning: {root} has no index.html; bundle the export to view it", file=sys.stderr)
    print(f"Serving {root} at http://{host}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        server.server_close()
    return 0
