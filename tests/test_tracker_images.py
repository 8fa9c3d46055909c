"""Avatars and asset thumbnails are written at the sizes the web client draws."""

from __future__ import annotations

import pytest

from tests.helpers.edits import add_color, export, new_scene, png_size
from watchtower_blender_addon.blender.demo import write_swatch

pytestmark = pytest.mark.blender


def scene_with_images(tmp_path, avatar: str, thumbnail: str):
    scene = new_scene(1, 10)
    add_color(scene, "sh010", 1, 1, 10)
    scene['watchtower'] = {
        'team': [{'name': "Ada", 'avatar': avatar}],
        'asset_types': [{'name': "Prop"}],
        'assets': [
            {'name': "Lamp", 'asset_type': "Prop", 'thumbnail_source': 'FILE',
             'thumbnail_path': thumbnail}
        ],
    }
    return scene


def test_avatar_and_asset_thumbnail_sizes(tmp_path):
    avatar, thumbnail = str(tmp_path / "ada.png"), str(tmp_path / "lamp.png")
    write_swatch(avatar, (0.8, 0.2, 0.2), size=50)
    write_swatch(thumbnail, (0.2, 0.8, 0.2), size=300)
    site = export(scene_with_images(tmp_path, avatar, thumbnail), tmp_path / "site", video=False)
    member = site.read("project")['team'][0]
    asset = site.read("assets")[0]
    assert member['full_name'] == "Ada"
    assert member['has_avatar'] is True
    assert png_size(site.destination / member['thumbnailUrl']) == (400, 400)
    assert png_size(site.destination / asset['thumbnailUrl']) == (150, 100)


def test_unreadable_image_is_left_out_with_warning(tmp_path, capsys):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    site = export(scene_with_images(tmp_path, str(broken), str(broken)), tmp_path / "site",
                  video=False)
    member = site.read("project")['team'][0]
    assert member['thumbnailUrl'] is None
    assert member['has_avatar'] is False
    assert site.read("assets")[0]['thumbnailUrl'] is None


def test_no_previews_drops_tracker_images(tmp_path):
    avatar = str(tmp_path / "ada.png")
    write_swatch(avatar, (0.8, 0.2, 0.2))
    site = export(scene_with_images(tmp_path, avatar, avatar), tmp_path / "site",
                  video=False, previews=False)
    assert site.read("project")['team'][0]['thumbnailUrl'] is None
    assert site.read("assets")[0]['thumbnailUrl'] is None
