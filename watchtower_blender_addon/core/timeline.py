"""Timeline rules: which strips are shots, their frames, and which sequence each belongs to.

Everything here works on plain descriptions of strips and markers, so the rules are
tested without Blender. Frames in a ``StripInfo`` are Blender's absolute frames. The
results are counted from the first frame of the scene range, which is frame 0 of
edit.mp4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from .errors import InputError

SEQUENCE_SOURCES = ('auto', 'channel', 'markers', 'names', 'single')
SHOTS_CHANNEL_NAME = "shots"
SEQUENCES_CHANNEL_NAME = "sequences"

# The default sequence pattern: the part of a shot name before the first "_", "-", "." or space.
DEFAULT_SEQUENCE_PATTERN = r"^(?P<sequence>[^_\-. ]+)[_\-. ]"


@dataclass(frozen=True)
class StripInfo:
    """A top-level strip as the timeline rules see it.

    ``start`` and ``end`` are the absolute frames of the strip's visible part,
    ``end`` exclusive (Blender's ``frame_final_start`` and ``frame_final_end``).
    """

    name: str
    channel: int
    start: int
    end: int
    visual: bool = True
    muted: bool = False
    color: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class FrameRange:
    """The scene range: absolute first and last frame, both included."""

    start: int
    end: int

    @property
    def total_frames(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class ShotSpan:
    """A shot's frames relative to the scene range; ``frame_out`` is exclusive."""

    name: str
    channel: int
    frame_in: int
    frame_out: int

    @property
    def duration(self) -> int:
        return self.frame_out - self.frame_in

    @property
    def middle_frame(self) -> int:
        """Return the relative frame of the thumbnail; a one-frame shot uses its only frame."""
        return self.frame_in + (self.duration - 1) // 2


@dataclass(frozen=True)
class Marker:
    name: str
    frame: int


@dataclass
class SequenceGroup:
    """A sequence and the names of its shots, in timeline order."""

    name: str
    shot_names: list[str] = field(default_factory=list)


@dataclass
class ShotSelection:
    shots: list[ShotSpan]
    warnings: list[str]


def find_shot_channels(
    strips: Iterable[StripInfo],
    channel_names: dict[int, str],
    requested: list[int] | None = None,
) -> list[int]:
    """Return the channels whose strips are shots.

    Explicitly requested channels win; then the channel named "Shots" (any case);
    then the lowest channel containing a visual strip, other than a "Sequences" channel.

    Raises:
        InputError: when no channel contains a visual strip.
    """
    if requested:
        return sorted(set(requested))
    for channel, name in sorted(channel_names.items()):
        if name.strip().lower() == SHOTS_CHANNEL_NAME:
            return [channel]
    sequence_channels = _channels_named(channel_names, SEQUENCES_CHANNEL_NAME)
    visual_channels = {s.channel for s in strips if s.visual and s.channel not in sequence_channels}
    if not visual_channels:
        raise InputError("no visual strip to use as a shot")
    return [min(visual_channels)]


def select_shots(
    strips: Iterable[StripInfo], channels: list[int], frame_range: FrameRange
) -> ShotSelection:
    """Return the shots of ``channels`` clipped to the scene range, in timeline order.

    Muted strips and strips wholly outside the range are left out with a warning.
    """
    shots: list[ShotSpan] = []
    warnings: list[str] = []
    for strip in strips:
        if strip.channel not in channels or not strip.visual:
            continue
        if strip.muted:
            warnings.append(f"strip '{strip.name}' is muted and is not exported as a shot")
            continue
        shot = _clip_to_range(strip, frame_range)
        if shot is None:
            warnings.append(
                f"strip '{strip.name}' (frames {strip.start}-{strip.end - 1}) is outside "
                f"the scene range {frame_range.start}-{frame_range.end} and is not exported"
            )
            continue
        shots.append(shot)
    shots.sort(key=lambda s: (s.frame_in, s.channel, s.frame_out, s.name))
    return ShotSelection(shots, warnings)


def _clip_to_range(strip: StripInfo, frame_range: FrameRange) -> ShotSpan | None:
    start = max(strip.start, frame_range.start)
    end = min(strip.end, frame_range.end + 1)
    if end <= start:
        return None
    return ShotSpan(strip.name, strip.channel, start - frame_range.start, end - frame_range.start)


def _channels_named(channel_names: dict[int, str], channel_name: str) -> set[int]:
    return {c for c, name in channel_names.items() if name.strip().lower() == channel_name}


@dataclass
class SequenceInputs:
    """Inputs of the sequence sources: the "Sequences" channel's strips, markers, names."""

    sequence_strips: list[StripInfo]
    markers: list[Marker]
    project_name: str
    pattern: str = ""


def resolve_sequence_source(source: str, inputs: SequenceInputs, shots: list[ShotSpan]) -> str:
    """Return the sequence source that applies; 'auto' takes the first one that has data."""
    if source not in SEQUENCE_SOURCES:
        choices = ", ".join(SEQUENCE_SOURCES)
        raise InputError(f"invalid sequence source '{source}' (choose from {choices})")
    if source != 'auto':
        return source
    if inputs.sequence_strips:
        return 'channel'
    if inputs.markers:
        return 'markers'
    pattern = _compile_pattern(inputs.pattern)
    if shots and all(pattern.search(s.name) for s in shots):
        return 'names'
    return 'single'


def pattern_warnings(source: str, inputs: SequenceInputs, shots: list[ShotSpan]) -> list[str]:
    """Return a warning when a sequence pattern leaves shots in the fallback sequence."""
    resolved = resolve_sequence_source(source, inputs, shots)
    pattern_ignored = source == 'auto' and resolved == 'single' and bool(inputs.pattern)
    if resolved != 'names' and not pattern_ignored:
        return []
    compiled = _compile_pattern(inputs.pattern)
    unmatched = [shot.name for shot in shots if not compiled.search(shot.name)]
    if not unmatched:
        return []
    pattern = inputs.pattern or DEFAULT_SEQUENCE_PATTERN
    return [
        f"sequence pattern '{pattern}' does not match {len(unmatched)} of {len(shots)} shots "
        f"(first: '{unmatched[0]}'); they are in the sequence '{inputs.project_name}'"
    ]


def group_into_sequences(
    source: str, inputs: SequenceInputs, shots: list[ShotSpan], frame_range: FrameRange
) -> list[SequenceGroup]:
    """Group ``shots`` into sequences listed in timeline order.

    Only sequences that get at least one shot are listed.
    """
    source = resolve_sequence_source(source, inputs, shots)
    if source == 'channel' and not inputs.sequence_strips:
        raise InputError("sequence source 'channel' needs strips in a channel named 'Sequences'")
    if source == 'markers' and not inputs.markers:
        raise InputError("sequence source 'markers' needs timeline markers, and the scene has none")
    if source == 'channel':
        spans = _sequence_spans_from_strips(inputs.sequence_strips)
        names = _names_from_spans(spans, shots, frame_range)
    elif source == 'markers':
        spans = _sequence_spans_from_markers(inputs.markers)
        names = _names_from_spans(spans, shots, frame_range)
    elif source == 'names':
        names = _names_from_pattern(inputs.pattern, inputs.project_name, shots)
    else:
        names = [inputs.project_name] * len(shots)
    return _collect_groups(shots, names)


def _sequence_spans_from_strips(strips: list[StripInfo]) -> list[tuple[str, int, int]]:
    spans = [(s.name, s.start, s.end) for s in strips]
    return sorted(spans, key=lambda span: (span[1], span[2], span[0]))


def _sequence_spans_from_markers(markers: list[Marker]) -> list[tuple[str, int, int]]:
    ordered = sorted(markers, key=lambda m: (m.frame, m.name))
    spans = []
    for index, marker in enumerate(ordered):
        end = ordered[index + 1].frame if index + 1 < len(ordered) else 2**31
        spans.append((marker.name, marker.frame, end))
    return spans


def _names_from_spans(
    spans: list[tuple[str, int, int]], shots: list[ShotSpan], frame_range: FrameRange
) -> list[str]:
    """Name each shot's sequence: the span under the shot's first frame.

    Spans hold absolute frames. A shot under no span belongs to the last span that
    starts before it, or to the first span if none does.
    """
    names = []
    for shot in shots:
        frame = shot.frame_in + frame_range.start
        covering = [name for name, start, end in spans if start <= frame < end]
        before = [name for name, start, _end in spans if start <= frame]
        if covering:
            names.append(covering[0])
        elif before:
            names.append(before[-1])
        else:
            names.append(spans[0][0])
    return names


def _names_from_pattern(pattern: str, fallback: str, shots: list[ShotSpan]) -> list[str]:
    compiled = _compile_pattern(pattern)
    names = []
    for shot in shots:
        match = compiled.search(shot.name)
        names.append(match.group('sequence') if match else fallback)
    return names


def _compile_pattern(pattern: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern or DEFAULT_SEQUENCE_PATTERN)
    except re.error as error:
        raise InputError(f"invalid sequence pattern '{pattern}': {error}") from None
    if 'sequence' not in compiled.groupindex:
        raise InputError(f"sequence pattern '{pattern}' has no named group 'sequence'")
    return compiled


def _collect_groups(shots: list[ShotSpan], names: list[str]) -> list[SequenceGroup]:
    groups: dict[str, SequenceGroup] = {}
    for shot, name in zip(shots, names):
        groups.setdefault(name, SequenceGroup(name)).shot_names.append(shot.name)
    return list(groups.values())
