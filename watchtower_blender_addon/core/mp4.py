"""Count the video frames of an MP4 file from its sample tables, without decoding it."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import ExportFailed

_CONTAINERS = {b'moov', b'trak', b'mdia', b'minf', b'stbl'}


def _boxes(stream: BinaryIO, end: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield (type, payload start, payload end) of the boxes from the current position."""
    while stream.tell() + 8 <= end:
        start = stream.tell()
        size, kind = struct.unpack('>I4s', stream.read(8))
        header = 8
        if size == 1:
            size = struct.unpack('>Q', stream.read(8))[0]
            header = 16
        elif size == 0:
            size = end - start
        if size < header:
            raise ValueError(f"invalid box size {size} at byte {start}")
        yield kind, start + header, start + size
        stream.seek(start + size)


def _find(stream: BinaryIO, start: int, end: int, wanted: bytes) -> int | None:
    """Return the payload start of the first ``wanted`` box, searching into containers."""
    stream.seek(start)
    for kind, payload, box_end in list(_boxes(stream, end)):
        if kind == wanted:
            return payload
        if kind in _CONTAINERS:
            found = _find(stream, payload, box_end, wanted)
            if found is not None:
                return found
    return None


def _track_frames(stream: BinaryIO, start: int, end: int) -> int | None:
    """Return the sample count of a ``trak`` box if it is a video track."""
    handler = _find(stream, start, end, b'hdlr')
    if handler is None:
        return None
    stream.seek(handler + 8)
    if stream.read(4) != b'vide':
        return None
    table = _find(stream, start, end, b'stts')
    if table is None:
        return None
    stream.seek(table + 4)
    (count,) = struct.unpack('>I', stream.read(4))
    entries = struct.unpack(f'>{2 * count}I', stream.read(8 * count))
    return sum(entries[0::2])


def count_video_frames(path: Path) -> int:
    """Return the number of frames of the first video track of the MP4 file at ``path``.

    Raises:
        ExportFailed: the file is not a readable MP4 or has no video track.
    """
    try:
        with open(path, 'rb') as stream:
            size = stream.seek(0, 2)
            stream.seek(0)
            moov = [box for box in _boxes(stream, size) if box[0] == b'moov']
            for _kind, payload, box_end in moov:
                stream.seek(payload)
                for kind, track, track_end in list(_boxes(stream, box_end)):
                    count = _track_frames(stream, track, track_end) if kind == b'trak' else None
                    if count is not None:
                        return count
    except (OSError, ValueError, struct.error) as error:
        raise ExportFailed(f"{path}: cannot read the video: {error}") from error
    raise ExportFailed(f"{path}: no video track found")
