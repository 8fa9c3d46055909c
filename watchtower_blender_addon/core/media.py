"""Download of thumbnails given as http(s) URLs.

``requests`` is imported only when a URL is fetched, so that exports with local
previews (the Blender add-on's case) never need it.
"""

from __future__ import annotations

import logging
import pathlib
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from .errors import ExportFailed
from .jsonio import write_bytes_atomic

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_DEADLINE_SECONDS = 60.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK_BYTES = 64 * 1024

ALLOWED_SCHEMES = ('http', 'https')
IMAGE_SIGNATURES = {
    'PNG': b'\x89PNG\r\n\x1a\n',
    'JPEG': b'\xff\xd8\xff',
}


def is_remote_url(value: str) -> bool:
    """Tell whether ``value`` is a URL with a scheme rather than a site-relative path.

    A single-letter scheme is a Windows drive (``C:\\...``), so it counts as a path.
    """
    scheme = urlsplit(value).scheme
    return len(scheme) > 1


def image_format(content: bytes) -> str | None:
    """Return "PNG" or "JPEG" from the file signature of ``content``, else None."""
    for name, signature in IMAGE_SIGNATURES.items():
        if content.startswith(signature):
            return name
    return None


def fetch_image(
    url: str,
    destination: pathlib.Path,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    deadline: float = DEFAULT_DEADLINE_SECONDS,
) -> None:
    """Download the PNG or JPEG image at ``url`` and write it atomically to ``destination``.

    Args:
        url: an http or https URL.
        destination: file to write; its folders are created.
        headers: HTTP request headers, such as a tracker's authorization header.
        timeout: seconds allowed for connecting and for each read from the socket.
        max_bytes: largest accepted body; the download stops as soon as it is exceeded.
        deadline: seconds allowed for the whole download, so that a server sending
            a slow trickle of bytes cannot hold the export.

    Raises:
        ExportFailed: the scheme is not http(s), the request failed or timed out,
            the body is too large, or it is not a PNG or JPEG image.
    """
    check_scheme(url)
    content = download_body(url, headers, timeout, max_bytes, deadline)
    if image_format(content) is None:
        raise ExportFailed(f"Invalid thumbnail {url}: the response is not a PNG or JPEG image")
    write_bytes_atomic(destination, content)
    log.debug("Downloaded %s to %s", url, destination)


def check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise ExportFailed(
            f"Invalid thumbnail URL {url}: the scheme must be http or https, not {scheme!r}"
        )


def download_body(
    url: str,
    headers: Mapping[str, str] | None,
    timeout: float,
    max_bytes: int,
    deadline: float,
) -> bytes:
    import requests

    try:
        with requests.get(
            url, headers=dict(headers or {}), stream=True, timeout=(timeout, timeout)
        ) as response:
            response.raise_for_status()
            check_declared_size(url, response.headers.get('Content-Length'), max_bytes)
            return read_capped(url, arriving_chunks(response), max_bytes, deadline)
    except requests.Timeout as error:
        raise ExportFailed(f"Download of {url} timed out after {timeout:g} s") from error
    except requests.RequestException as error:
        reason = ' '.join(str(error).split())
        raise ExportFailed(f"Download of {url} failed: {reason}") from error


def arriving_chunks(response: Any) -> Iterator[bytes]:
    """Yield the body as it arrives, so that a slow sender cannot outlast the deadline.

    ``iter_content`` waits for a whole chunk, which a server sending a few bytes at a
    time can drag out far past the deadline; urllib3 2's ``read1`` returns what came.
    """
    read1 = getattr(response.raw, 'read1', None)
    if read1 is None:
        yield from response.iter_content(1024)
        return
    while True:
        chunk = read1(CHUNK_BYTES, decode_content=True)
        if not chunk:
            return
        yield chunk


def check_declared_size(url: str, content_length: str | None, max_bytes: int) -> None:
    if content_length is not None and content_length.isdigit() and int(content_length) > max_bytes:
        raise too_large(url, max_bytes)


def read_capped(url: str, chunks, max_bytes: int, deadline: float) -> bytes:
    body = bytearray()
    end_time = time.monotonic() + deadline
    for chunk in chunks:
        body += chunk
        if len(body) > max_bytes:
            raise too_large(url, max_bytes)
        if time.monotonic() > end_time:
            raise ExportFailed(f"Download of {url} timed out after {deadline:g} s")
    return bytes(body)


def too_large(url: str, max_bytes: int) -> ExportFailed:
    return ExportFailed(f"Download of {url} failed: the body is larger than {max_bytes} bytes")
