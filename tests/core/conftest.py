"""Fixtures of the core tests: a local HTTP server that serves test images."""

import dataclasses
import http.server
import threading

import pytest
from synthetic import png_bytes

GOOD_PNG = png_bytes()
JPEG_START = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00' + b'\x00' * 32
LARGE_BODY_BYTES = 4096


class ImageHandler(http.server.BaseHTTPRequestHandler):
    """Serves fixed responses by path; ``server.release`` unblocks /slow."""

    def do_GET(self):
        routes = {
            '/good.png': self.send_body_with_length,
            '/photo.jpg': self.send_body_with_length,
            '/page.html': self.send_body_with_length,
            '/large-declared.png': self.send_large_declared,
            '/large-undeclared.png': self.send_large_undeclared,
            '/slow.png': self.send_after_release,
        }
        self.server.request_paths.append(self.path)
        routes.get(self.path, self.send_not_found)()

    def send_body_with_length(self):
        bodies = {
            '/good.png': GOOD_PNG,
            '/photo.jpg': JPEG_START,
            '/page.html': b'<html><body>not an image</body></html>',
        }
        self.send_body_with_length_of(bodies[self.path])

    def send_large_declared(self):
        body = GOOD_PNG + b'\x00' * LARGE_BODY_BYTES
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_large_undeclared(self):
        # No Content-Length: the client can only find the size by reading.
        self.send_response(200)
        self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(GOOD_PNG + b'\x00' * LARGE_BODY_BYTES)

    def send_after_release(self):
        self.server.release.wait()
        self.send_body_with_length_of(GOOD_PNG)

    def send_body_with_length_of(self, body):
        try:
            self.send_response(200)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting

    def send_not_found(self):
        self.send_error(404)

    def log_message(self, format, *args):
        pass


@dataclasses.dataclass
class ImageServer:
    base_url: str
    server: http.server.ThreadingHTTPServer

    def url(self, path):
        return self.base_url + path


@pytest.fixture
def image_server():
    """Run an ImageHandler server on 127.0.0.1 on a free port."""
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), ImageHandler)
    server.daemon_threads = True
    server.release = threading.Event()
    server.request_paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield ImageServer(f'http://{host}:{port}', server)
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join()
