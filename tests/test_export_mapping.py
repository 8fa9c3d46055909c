"""From a Blender scene to shots.json and sequences.json, with the real bpy module."""

from __future__ import annotations

import json

import pytest

from tests.helpers.edits import add_color, export, name_channel, new_scene
from watchtower_blender_addon.blender import compat
from watchtower_blender_addon.core.errors import InputError

pytestmark = pytest.mark.blender

NO_MEDIA = {'video': False, 'previews': False}


def shot_frames(site) -> list[tuple[str, int, int]]:
    return [(s['name'], s['data']['frame_in'], s['data']['frame_out']) for s in site.shots]


@pytest.mark.parametrize("first", [1, 101])
def test_frames_count_from_scene_range_start(tmp_path, first):
    scene = new_scene(first, first + 29)
    add_color(scene, "a", 1, first, 10)
    add_color(scene, "b", 1, first + 10, 20)
    site = export(scene, tmp_path, **NO_MEDIA)
    assert shot_frames(site) == [("a", 0, 10), ("b", 10, 30)]
    assert [s['startFrame'] for s in site.shots] == [0, 10]
    assert site.read("edit")['totalFrames'] == 30
    assert site.read("edit")['frameOffset'] == -0.5


@pytest.mark.parametrize(
    ("fps", "fps_base", "expected"), [(24, 1.0, 24.0), (24, 1.001, 24000 / 1001)]
)
def test_duration_seconds_times_fps_is_frame_count(tmp_path, fps, fps_base, expected):
    scene = new_scene(1, 100, fps, fps_base)
    for index, length in enumerate([7, 13, 1, 79]):
        add_color(scene, f"s{index}", 1, 1 + sum([7, 13, 1, 79][:index]), length)
    site = export(scene, tmp_path, **NO_MEDIA)
    assert site.read("project")['fps'] == expected
    for shot in site.shots:
        frames = shot['data']['frame_out'] - shot['data']['frame_in']
        assert shot['fps'] == expected
        assert round(shot['durationSeconds'] * shot['fps'], 9) == frames


def test_gaps_between_shots_are_kept(tmp_path):
    scene = new_scene(1, 60)
    add_color(scene, "a", 1, 1, 10)
    add_color(scene, "b", 1, 21, 10)
    add_color(scene, "c", 1, 51, 10)
    site = export(scene, tmp_path, **NO_MEDIA)
    assert shot_frames(site) == [("a", 0, 10), ("b", 20, 30), ("c", 50, 60)]


def test_meta_strip_is_one_trimmed_shot(tmp_path):
    scene = new_scene(1, 60)
    strips = compat.strips_of(scene.sequence_editor)
    meta = strips.new_meta(name="meta shot", channel=1, frame_start=1)
    compat.new_effect(meta, "inner 1", 'COLOR', 1, 1, 20)
    compat.new_effect(meta, "inner 2", 'COLOR', 2, 21, 20)
    # Trim 5 frames off each end of the 40-frame meta: frames 6-35 remain.
    meta.frame_offset_start = 5
    meta.frame_offset_end = 5
    add_color(scene, "after", 1, 41, 10)
    site = export(scene, tmp_path, **NO_MEDIA)
    assert shot_frames(site) == [("meta shot", 5, 35), ("after", 40, 50)]


def test_muted_and_outside_strips_skipped(tmp_path):
    scene = new_scene(11, 40)
    add_color(scene, "before", 1, 1, 5)
    add_color(scene, "straddles start", 1, 6, 10)
    add_color(scene, "muted", 1, 16, 5).mute = True
    add_color(scene, "inside", 1, 21, 10)
    add_color(scene, "straddles end", 1, 31, 20)
    add_color(scene, "after", 1, 60, 5)
    site = export(scene, tmp_path, **NO_MEDIA)
    assert shot_frames(site) == [
        ("straddles start", 0, 5),
        ("inside", 10, 20),
        ("straddles end", 20, 30),
    ]
    warnings = " ".join(site.result.warnings)
    for name in ("before", "muted", "after"):
        assert f"'{name}'" in warnings


def test_sequences_from_sequences_channel(tmp_path):
    scene = new_scene(1, 40)
    name_channel(scene, 5, "Sequences")
    add_color(scene, "Opening", 5, 1, 20).mute = True
    add_color(scene, "Ending", 5, 21, 20).mute = True
    for index in range(4):
        add_color(scene, f"shot {index}", 1, 1 + 10 * index, 10)
    site = export(scene, tmp_path, **NO_MEDIA)
    assert [s['name'] for s in site.sequences] == ["Opening", "Ending"]
    assert [site.sequence_name_of(f"shot {i}") for i in range(4)] == [
        "Opening",
        "Opening",
        "Ending",
        "Ending",
    ]


def test_sequences_from_markers(tmp_path):
    scene = new_scene(101, 140)
    scene.timeline_markers.new("Intro", frame=101)
    scene.timeline_markers.new("Fight", frame=121)
    for index in range(4):
        add_color(scene, f"shot{index}", 1, 101 + 10 * index, 10)
    site = export(scene, tmp_path, **NO_MEDIA)
    assert [s['name'] for s in site.sequences] == ["Intro", "Fight"]
    assert site.sequence_name_of("shot1") == "Intro"
    assert site.sequence_name_of("shot2") == "Fight"


def test_sequences_from_shot_names(tmp_path):
    scene = new_scene(1, 40)
    for index, name in enumerate(["sq01_sh01", "sq01_sh02", "sq02_sh01", "sq03.sh01"]):
        add_color(scene, name, 1, 1 + 10 * index, 10)
    site = export(scene, tmp_path, **NO_MEDIA)
    assert [s['name'] for s in site.sequences] == ["sq01", "sq02", "sq03"]


def test_single_sequence_named_after_project(tmp_path):
    scene = new_scene(1, 20)
    add_color(scene, "one", 1, 1, 10)
    add_color(scene, "two", 1, 11, 10)
    site = export(scene, tmp_path, project_name="My Film", **NO_MEDIA)
    assert [s['name'] for s in site.sequences] == ["My Film"]
    assert site.read("project")['name'] == "My Film"


def test_forced_sequence_source_overrides_auto(tmp_path):
    scene = new_scene(1, 20)
    scene.timeline_markers.new("Marker", frame=1)
    add_color(scene, "sq9_a", 1, 1, 10)
    site = export(scene, tmp_path, sequence_source='names', **NO_MEDIA)
    assert [s['name'] for s in site.sequences] == ["sq9"]


@pytest.mark.parametrize(
    "name", ["shot with spaces", "sq/01/sh 02", "sh.010.v2", "Ünïcödé_épisode", "镜头_01"]
)
def test_strip_names_exported_verbatim(tmp_path, name):
    scene = new_scene(1, 10)
    add_color(scene, name, 1, 1, 10)
    site = export(scene, tmp_path, previews=True, video=False)
    shot = site.shots[0]
    assert shot['name'] == name
    assert (site.destination / shot['thumbnailUrl']).is_file()
    raw = (site.project_dir / "shots.json").read_text(encoding='utf-8')
    assert json.loads(raw)[0]['name'] == name


def test_shot_channel_option_and_two_channels(tmp_path):
    scene = new_scene(1, 30)
    add_color(scene, "background", 1, 1, 30)
    add_color(scene, "a", 2, 1, 12)
    add_color(scene, "b", 3, 10, 10)
    add_color(scene, "c", 2, 20, 11)
    site = export(scene, tmp_path, shot_channels=[2, 3], **NO_MEDIA)
    assert shot_frames(site) == [("a", 0, 12), ("b", 9, 19), ("c", 19, 30)]


def test_shots_channel_found_by_name(tmp_path):
    scene = new_scene(1, 20)
    add_color(scene, "background", 1, 1, 20)
    name_channel(scene, 4, "shots")
    add_color(scene, "the shot", 4, 1, 20)
    site = export(scene, tmp_path, **NO_MEDIA)
    assert [s['name'] for s in site.shots] == ["the shot"]


def test_ids_are_stable_and_unique(tmp_path):
    scene = new_scene(1, 20)
    add_color(scene, "a", 1, 1, 10)
    add_color(scene, "b", 1, 11, 10)
    first = export(scene, tmp_path / "one", **NO_MEDIA)
    second = export(scene, tmp_path / "two", **NO_MEDIA)
    assert first.result.project_id == second.result.project_id
    assert [s['id'] for s in first.shots] == [s['id'] for s in second.shots]
    assert len({s['id'] for s in first.shots}) == 2


def test_project_id_option_is_used(tmp_path):
    scene = new_scene(1, 10)
    add_color(scene, "a", 1, 1, 10)
    site = export(scene, tmp_path, project_id="my-film", **NO_MEDIA)
    assert site.read("project")['id'] == "my-film"
    assert (tmp_path / "data/projects/my-film/shots.json").is_file()


def test_resolution_and_ratio_ignore_percentage(tmp_path):
    scene = new_scene(1, 10)
    scene.render.resolution_x, scene.render.resolution_y = 2048, 858
    scene.render.resolution_percentage = 25
    add_color(scene, "a", 1, 1, 10)
    project = export(scene, tmp_path, **NO_MEDIA).read("project")
    assert project['resolution'] == "2048x858"
    assert project['ratio'] == "2.39:1"


def test_scene_without_sequencer_is_rejected(tmp_path):
    scene = new_scene(1, 10, sequencer=False)
    with pytest.raises(InputError, match="scene 'Edit' has no sequencer strips"):
        export(scene, tmp_path, **NO_MEDIA)


def test_sequencer_without_shots_in_range_is_rejected(tmp_path):
    scene = new_scene(1, 10)
    add_color(scene, "late", 1, 50, 10)
    with pytest.raises(InputError, match="no shots in the scene range"):
        export(scene, tmp_path, **NO_MEDIA)


def test_interrupted_bundling_says_what_was_published(tmp_path, monkeypatch):
    from watchtower_blender_addon.core import bundle
    from watchtower_blender_addon.core.errors import Interrupted

    def interrupted_bundle(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(bundle, 'bundle_site', interrupted_bundle)
    scene = new_scene(1, 10)
    add_color(scene, "a", 1, 1, 10)
    with pytest.raises(Interrupted, match="is published in .*watchtower was not updated"):
        export(scene, tmp_path, bundle=True, **NO_MEDIA)
    assert (tmp_path / "data/projects-list/index.json").is_file()
