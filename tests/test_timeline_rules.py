"""The timeline rules of the core, on plain strip descriptions (no Blender needed)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from watchtower_blender_addon.core import timeline
from watchtower_blender_addon.core.errors import InputError
from watchtower_blender_addon.core.frames import (
    exact_fps,
    fit_inside,
    ratio_label,
    video_scale_percentage,
)
from watchtower_blender_addon.core.timeline import FrameRange, Marker, ShotSpan, StripInfo


def strip(name: str, channel: int, start: int, end: int, **extra) -> StripInfo:
    return StripInfo(name=name, channel=channel, start=start, end=end, **extra)


def inputs(**values) -> timeline.SequenceInputs:
    values.setdefault('sequence_strips', [])
    values.setdefault('markers', [])
    values.setdefault('project_name', "Film")
    return timeline.SequenceInputs(**values)


def test_shots_channel_by_name_wins_over_lowest_channel():
    strips = [strip("a", 1, 1, 10), strip("b", 3, 1, 10)]
    assert timeline.find_shot_channels(strips, {1: "Channel 1", 3: "SHOTS"}) == [3]


def test_lowest_visual_channel_skips_sound_and_transitions():
    strips = [
        strip("music", 1, 1, 10, visual=False),
        strip("cross", 2, 1, 10, visual=False),
        strip("a", 4, 1, 10),
    ]
    assert timeline.find_shot_channels(strips, {}) == [4]


def test_lowest_visual_channel_skips_sequences_channel():
    strips = [strip("SQ01", 1, 1, 10), strip("a", 2, 1, 10)]
    assert timeline.find_shot_channels(strips, {1: "Sequences"}) == [2]


def test_requested_channels_are_used_as_given():
    assert timeline.find_shot_channels([], {}, [3, 2, 3]) == [2, 3]


def test_no_visual_strip_raises_input_error():
    with pytest.raises(InputError, match="no visual strip"):
        timeline.find_shot_channels([strip("music", 1, 1, 10, visual=False)], {})


def test_shots_are_clipped_to_scene_range():
    selection = timeline.select_shots(
        [strip("a", 1, 90, 110), strip("b", 1, 110, 130)], [1], FrameRange(101, 120)
    )
    assert [(s.name, s.frame_in, s.frame_out) for s in selection.shots] == [
        ("a", 0, 9),
        ("b", 9, 20),
    ]


def test_muted_and_outside_strips_warn():
    strips = [
        strip("kept", 1, 1, 10),
        strip("muted", 1, 10, 20, muted=True),
        strip("late", 1, 50, 60),
    ]
    selection = timeline.select_shots(strips, [1], FrameRange(1, 30))
    assert [s.name for s in selection.shots] == ["kept"]
    assert any("'muted'" in w and "muted" in w for w in selection.warnings)
    assert any("'late'" in w and "outside" in w for w in selection.warnings)


def test_shots_from_two_channels_sorted_by_time():
    strips = [strip("b", 2, 10, 20), strip("a", 1, 1, 12), strip("c", 1, 20, 30)]
    selection = timeline.select_shots(strips, [1, 2], FrameRange(1, 30))
    assert [s.name for s in selection.shots] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("frame_in", "frame_out", "middle"),
    [(0, 1, 0), (0, 2, 0), (0, 3, 1), (10, 14, 11), (10, 15, 12)],
)
def test_middle_frame_rounds_down(frame_in, frame_out, middle):
    assert ShotSpan("s", 1, frame_in, frame_out).middle_frame == middle


def shots(*names: str) -> list[ShotSpan]:
    return [ShotSpan(name, 1, 10 * i, 10 * i + 10) for i, name in enumerate(names)]


def test_sequences_from_channel_use_strip_under_first_frame():
    spans = shots("a", "b", "c")  # relative 0-10, 10-20, 20-30; range starts at 101
    sequence_strips = [strip("SQ2", 9, 111, 131), strip("SQ1", 9, 101, 111)]
    groups = timeline.group_into_sequences(
        'auto', inputs(sequence_strips=sequence_strips), spans, FrameRange(101, 130)
    )
    assert [(g.name, g.shot_names) for g in groups] == [("SQ1", ["a"]), ("SQ2", ["b", "c"])]


def test_sequences_from_markers_run_to_next_marker():
    spans = shots("a", "b", "c", "d")
    markers = [Marker("Intro", 1), Marker("Chase", 21), Marker("End", 31)]
    groups = timeline.group_into_sequences(
        'auto', inputs(markers=markers), spans, FrameRange(1, 40)
    )
    assert [(g.name, g.shot_names) for g in groups] == [
        ("Intro", ["a", "b"]),
        ("Chase", ["c"]),
        ("End", ["d"]),
    ]


def test_shot_before_first_marker_joins_first_sequence():
    spans = shots("a", "b")
    groups = timeline.group_into_sequences(
        'markers', inputs(markers=[Marker("Late", 15)]), spans, FrameRange(1, 20)
    )
    assert [(g.name, g.shot_names) for g in groups] == [("Late", ["a", "b"])]


@pytest.mark.parametrize(
    ("name", "sequence"),
    [("sq010_sh010", "sq010"), ("sq020-sh010", "sq020"), ("sq030.sh1", "sq030"), ("é1 x", "é1")],
)
def test_sequence_from_name_is_part_before_first_separator(name, sequence):
    groups = timeline.group_into_sequences('names', inputs(), shots(name), FrameRange(1, 10))
    assert groups[0].name == sequence


def test_user_pattern_names_sequences():
    groups = timeline.group_into_sequences(
        'names', inputs(pattern=r"shot_(?P<sequence>\d+)"), shots("shot_12"), FrameRange(1, 10)
    )
    assert groups[0].name == "12"


def test_pattern_without_sequence_group_is_rejected():
    with pytest.raises(InputError, match="named group 'sequence'"):
        timeline.group_into_sequences('names', inputs(pattern="(x)"), shots("x"), FrameRange(1, 9))


def test_auto_source_falls_back_to_project():
    groups = timeline.group_into_sequences('auto', inputs(), shots("one", "two"), FrameRange(1, 20))
    assert [(g.name, g.shot_names) for g in groups] == [("Film", ["one", "two"])]


def test_unknown_sequence_source_lists_choices():
    with pytest.raises(InputError, match="auto, channel, markers, names, single"):
        timeline.group_into_sequences('nope', inputs(), shots("a"), FrameRange(1, 10))


def test_ntsc_frame_rate_is_exact_despite_float32_base():
    float32_base = 1.0010000467300415
    assert exact_fps(24, float32_base) == Fraction(24000, 1001)
    assert exact_fps(30, float32_base) == Fraction(30000, 1001)
    assert exact_fps(25, 1.0) == 25


def test_ratio_includes_pixel_aspect():
    assert ratio_label(2048, 858, 1.0, 1.0) == "2.39:1"
    assert ratio_label(1440, 1080, 4.0, 3.0) == "1.78:1"


def test_video_scale_keeps_width_limit_and_even_sides():
    for width, height in [(1920, 1080), (2048, 858), (1280, 720), (4096, 1716), (1001, 563)]:
        percentage = video_scale_percentage(width, height, 1280)
        out_width, out_height = width * percentage // 100, height * percentage // 100
        assert out_width <= 1280
        assert out_width % 2 == 0
        assert out_height % 2 == 0
    assert video_scale_percentage(1280, 720, 1280) == 100


def test_fit_inside_letterboxes_wide_picture():
    assert fit_inside(2048, 858, 150, 100) == (150, 63)
    assert fit_inside(100, 100, 150, 100) == (100, 100)


@pytest.mark.parametrize(("source", "needed"), [("markers", "timeline markers"),
                                               ("channel", "'Sequences'")])
def test_explicit_source_without_data_is_rejected(source, needed):
    with pytest.raises(InputError, match=needed):
        timeline.group_into_sequences(source, inputs(), shots("a"), FrameRange(1, 10))


def test_pattern_leaving_shots_unmatched_warns():
    warnings = timeline.pattern_warnings('names', inputs(), shots("sq1_a", "loose"))
    assert len(warnings) == 1
    assert "1 of 2 shots" in warnings[0]
    assert "'loose'" in warnings[0]


def test_user_pattern_ignored_by_auto_warns():
    spans = shots("x_1", "y")
    warnings = timeline.pattern_warnings('auto', inputs(pattern=r"(?P<sequence>x)_"), spans)
    assert len(warnings) == 1
    assert "'Film'" in warnings[0]


def test_default_pattern_with_single_sequence_is_silent():
    assert timeline.pattern_warnings('auto', inputs(), shots("one", "two")) == []
