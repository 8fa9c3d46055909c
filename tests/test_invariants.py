"""The export's invariants, each on its own, with real renders decoded by PyAV."""

from __future__ import annotations

import hashlib
import json
import pathlib

import bpy
import pytest

from tests.helpers.site_paths import stored_paths
from tests.helpers.edits import (
    add_color,
    close_colors,
    export,
    frame_colors,
    new_scene,
    png_center_color,
    png_size,
    to_255,
)
from watchtower_blender_addon.blender import compat
from watchtower_blender_addon.core.errors import ExportFailed

pytestmark = [pytest.mark.blender]

# Distinct, saturated colours that survive H.264's chroma subsampling.
COLORS = [(0.9, 0.1, 0.1), (0.1, 0.8, 0.1), (0.1, 0.2, 0.9), (0.9, 0.8, 0.1), (0.8, 0.1, 0.8)]
LENGTHS = [12, 1, 7, 20, 9]
FIRST = 101


def colored_edit(fps_base: float = 1.001):
    """Return a scene of five shots with a gap, starting at frame 101, NTSC by default."""
    total = sum(LENGTHS) + 3
    scene = new_scene(FIRST, FIRST + total - 1, 24, fps_base)
    frame = FIRST
    for index, (length, color) in enumerate(zip(LENGTHS, COLORS)):
        add_color(scene, f"shot{index}", 1, frame, length, color)
        frame += length + (3 if index == 2 else 0)
    return scene


@pytest.fixture(scope='module')
def rendered(tmp_path_factory):
    scene = colored_edit()
    return export(scene, tmp_path_factory.mktemp("rendered"))


def render_snapshot(scene) -> dict:
    """Return every writable render, image and FFmpeg setting, and the frame state."""
    values = {}
    for owner, struct in (
        ("render", scene.render),
        ("image", scene.render.image_settings),
        ("ffmpeg", scene.render.ffmpeg),
    ):
        for prop in struct.bl_rna.properties:
            if prop.is_readonly or prop.type in {'POINTER', 'COLLECTION'}:
                continue
            value = getattr(struct, prop.identifier)
            values[f"{owner}.{prop.identifier}"] = (
                tuple(value) if hasattr(value, '__len__') and not isinstance(value, str) else value
            )
    values["frames"] = (scene.frame_start, scene.frame_end, scene.frame_current)
    values["active scene"] = bpy.context.scene.name
    return values


@pytest.mark.slow
def test_shot_colours_at_first_middle_last(rendered):
    colors = frame_colors(rendered.project_dir / "edit.mp4")
    for shot, expected in zip(rendered.shots, COLORS):
        first, end = shot['data']['frame_in'], shot['data']['frame_out']
        for frame in {first, first + (end - first - 1) // 2, end - 1}:
            assert close_colors(colors[frame], to_255(expected)), (shot['name'], frame)


@pytest.mark.slow
def test_gap_frames_are_black(rendered):
    colors = frame_colors(rendered.project_dir / "edit.mp4")
    gap_start = rendered.shot("shot2")['data']['frame_out']
    for frame in range(gap_start, gap_start + 3):
        assert close_colors(colors[frame], (0, 0, 0)), frame


@pytest.mark.slow
def test_video_frame_count_equals_total_frames(rendered):
    import av

    with av.open(str(rendered.project_dir / "edit.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == pytest.approx(24000 / 1001)
        assert stream.codec_context.pix_fmt == 'yuv420p'
        assert stream.codec_context.name == 'h264'
        decoded = sum(1 for _ in container.decode(video=0))
    assert decoded == rendered.read("edit")['totalFrames']
    assert decoded == sum(LENGTHS) + 3


@pytest.mark.slow
def test_duration_seconds_times_fps_equals_frame_range(rendered):
    for shot in rendered.shots:
        frames = shot['data']['frame_out'] - shot['data']['frame_in']
        assert round(shot['durationSeconds'] * shot['fps'], 9) == frames


def json_digests(site_root: pathlib.Path) -> dict[str, str]:
    return {
        str(path.relative_to(site_root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(site_root.rglob("*.json"))
    }


@pytest.mark.slow
def test_second_export_gives_byte_identical_json(tmp_path):
    scene = colored_edit()
    export(scene, tmp_path / "one", video=False)
    export(scene, tmp_path / "two", video=False)
    first, second = json_digests(tmp_path / "one"), json_digests(tmp_path / "two")
    assert len(first) == 7
    assert first == second
    export(scene, tmp_path / "one", video=False)
    assert json_digests(tmp_path / "one") == first


@pytest.mark.slow
def test_render_settings_and_scene_are_restored(tmp_path):
    scene = colored_edit()
    scene.render.filepath = "//my_render_"
    scene.render.resolution_percentage = 37
    compat.set_file_format(scene.render.image_settings, 'OPEN_EXR')
    scene.frame_current = 110
    other = bpy.data.scenes.new("Other")
    bpy.context.window_manager  # noqa: B018 - the window manager stays loaded
    before = render_snapshot(scene)
    export(scene, tmp_path)
    assert render_snapshot(scene) == before
    assert bpy.data.scenes.get(other.name) is not None


@pytest.mark.slow
def test_blend_file_is_not_written(tmp_path):
    blend = tmp_path / "edit.blend"
    scene = colored_edit()
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    digest = hashlib.sha256(blend.read_bytes()).hexdigest()
    modified = blend.stat().st_mtime_ns
    export(bpy.context.scene, tmp_path / "site")
    assert hashlib.sha256(blend.read_bytes()).hexdigest() == digest
    assert blend.stat().st_mtime_ns == modified
    assert not list(tmp_path.glob("edit.blend1"))
    assert scene.name == bpy.context.scene.name




@pytest.mark.slow
def test_every_stored_path_resolves_under_destination(rendered):
    root = rendered.destination
    paths = []
    for file in root.rglob("*.json"):
        paths += stored_paths(json.loads(file.read_text(encoding='utf-8')))
    assert len(paths) >= len(LENGTHS) + 3
    for path in paths:
        assert not path.startswith("/")
        assert "\\" not in path
        resolved = (root / path).resolve()
        assert resolved.is_file(), path
        assert resolved.is_relative_to(root.resolve())


@pytest.mark.slow
def test_other_project_in_destination_is_kept(tmp_path):
    scene = colored_edit()
    export(scene, tmp_path, project_id="other-film", project_name="Other", video=False)
    other_files = {
        p: p.read_bytes() for p in (tmp_path / "data/projects/other-film").rglob("*") if p.is_file()
    }
    site = export(scene, tmp_path, project_id="this-film", video=False)
    index = json.loads((tmp_path / "data/projects-list/index.json").read_text())
    assert [p['id'] for p in index['projects']] == ["other-film", "this-film"]
    for path, content in other_files.items():
        assert path.read_bytes() == content
    assert site.read("project")['id'] == "this-film"


def test_shot_preview_size_and_frame(tmp_path):
    """Each shot's picture changes on its middle frame only, so the preview shows which
    frame was taken."""
    scene = new_scene(1, 40)
    scene.render.resolution_x, scene.render.resolution_y = 320, 136  # 2.35:1 letterboxed
    spans = [(1, 10), (11, 1), (12, 8), (20, 21)]  # (start, length)
    marker_color = (0.1, 0.9, 0.9)
    for index, (start, length) in enumerate(spans):
        add_color(scene, f"shot{index}", 1, start, length, (0.5, 0.2, 0.1))
        middle = start + (length - 1) // 2
        add_color(scene, f"middle{index}", 3, middle, 1, marker_color)
    site = export(scene, tmp_path, video=False, shot_channels=[1])
    for shot in site.shots:
        preview = site.destination / shot['thumbnailUrl']
        assert png_size(preview) == (150, 100)
        assert close_colors(png_center_color(preview), to_255(marker_color)), shot['name']


def test_one_frame_shot_preview_uses_its_only_frame(tmp_path):
    scene = new_scene(1, 3)
    add_color(scene, "before", 1, 1, 1, (0.9, 0.1, 0.1))
    add_color(scene, "single", 1, 2, 1, (0.1, 0.1, 0.9))
    add_color(scene, "after", 1, 3, 1, (0.9, 0.1, 0.1))
    site = export(scene, tmp_path, video=False)
    preview = site.destination / site.shot("single")['thumbnailUrl']
    assert close_colors(png_center_color(preview), to_255((0.1, 0.1, 0.9)))


def test_preview_is_letterboxed_on_black(tmp_path):
    scene = new_scene(1, 10)
    scene.render.resolution_x, scene.render.resolution_y = 480, 200  # 2.4:1
    add_color(scene, "wide", 1, 1, 10, (0.9, 0.9, 0.9))
    site = export(scene, tmp_path, video=False)
    import av

    path = site.destination / site.shots[0]['thumbnailUrl']
    with av.open(str(path)) as container:
        picture = next(container.decode(video=0)).to_ndarray(format='rgb24')
    assert tuple(picture[2, 75]) == (0, 0, 0)
    assert tuple(picture[97, 75]) == (0, 0, 0)
    assert close_colors(tuple(int(v) for v in picture[50, 75]), (230, 230, 230))


def test_project_list_thumbnail_exists(tmp_path):
    scene = new_scene(1, 10)
    add_color(scene, "a", 1, 1, 10)
    site = export(scene, tmp_path, video=False)
    index = json.loads((tmp_path / "data/projects-list/index.json").read_text())
    thumbnail = index['projects'][0]['thumbnailUrl']
    assert (
        thumbnail == f"data/projects-list/previews/{site.result.project_id[:2]}/"
        f"{site.result.project_id}.png"
    )
    assert png_size(tmp_path / thumbnail) == (300, 200)


def test_render_failure_restores_settings_and_keeps_site(tmp_path, monkeypatch):
    from watchtower_blender_addon.blender import render

    scene = colored_edit()
    export(scene, tmp_path, video=False, previews=False)
    published = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    scene.render.resolution_percentage = 37
    before = render_snapshot(scene)

    def failing_render(**_options):
        raise RuntimeError("Error: simulated render failure")

    monkeypatch.setattr(render, 'render_operator', lambda: failing_render)
    with pytest.raises(ExportFailed, match="scene 'Edit': rendering failed: simulated render"):
        export(scene, tmp_path)
    assert render_snapshot(scene) == before
    assert not list((tmp_path / "data/projects").glob(".staging-*"))
    for path, content in published.items():
        assert path.read_bytes() == content, path
