"""Build scenes with tracker data through the add-on's properties and operators.

Shared by the tracker, add-on and extension tests; it contains no tests itself. Every
function takes the add-on's package name, because the extension test loads the
add-on under Blender's extension package name instead of watchtower_blender_addon.
"""

from __future__ import annotations

import importlib
from typing import Any

import bpy

EDIT_SCENE = 'Edit'


def compat_module(package: str = 'watchtower_blender_addon') -> Any:
    return importlib.import_module(f'{package}.blender.compat')


def new_edit_scene(package: str = 'watchtower_blender_addon') -> Any:
    """Return an empty scene "Edit", 1..48 at 24 fps, 160x90, with three colour strip shots.

    Shots on channel 2: sh010 (1-16), sh020 (17-32), sh030 (33-48).
    """
    # Not read_factory_settings: that also resets the preferences, disabling the extension.
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    scene = bpy.context.scene
    scene.name = EDIT_SCENE
    scene.frame_start, scene.frame_end = 1, 48
    scene.render.fps, scene.render.fps_base = 24, 1.0
    scene.render.resolution_x, scene.render.resolution_y = 160, 90
    scene.render.resolution_percentage = 100
    compat = compat_module(package)
    editor = scene.sequence_editor_create()
    for index, name in enumerate(('sh010', 'sh020', 'sh030')):
        strip = compat.new_effect(editor, name, 'COLOR', 2, 1 + 16 * index, 16)
        strip.color = (0.2 * (index + 1), 0.3, 0.4)
    return scene


def strip(scene: Any, name: str, package: str = 'watchtower_blender_addon') -> Any:
    return compat_module(package).strips_of(scene.sequence_editor)[name]


def add_task(owner: Any, task_type: str, status: str, assignees: tuple[str, ...] = ()) -> Any:
    task = owner.tasks.add()
    task.task_type = task_type
    task.status = status
    for name in assignees:
        task.assignees.add().name = name
    return task


def author_example(
    scene: Any, avatar_path: str | None, package: str = 'watchtower_blender_addon'
) -> None:
    """Fill ``scene`` with a project that uses every kind of tracker data.

    ``avatar_path`` is an image file used as Jade's avatar and Rex's thumbnail; None
    leaves both without an image.
    """
    settings = scene.watchtower
    settings.project_name = 'Tracker Test'
    with bpy.context.temp_override(scene=scene):
        result = bpy.ops.watchtower.apply_template()
    assert result == {'FINISHED'}, result

    jade = settings.team.add()
    jade.name = 'Jade'
    if avatar_path:
        jade.avatar = avatar_path
    settings.team.add().name = 'Ravi'

    rex = settings.assets.add()
    rex.name = 'Rex'
    rex.asset_type = 'Character'
    if avatar_path:
        rex.thumbnail_source = 'FILE'
        rex.thumbnail_path = avatar_path
    add_task(rex, 'Modeling', 'Done', ('Ravi',))
    chair = settings.assets.add()
    chair.name = 'Chair'
    chair.asset_type = 'Prop'

    sh010 = strip(scene, 'sh010', package).watchtower
    add_task(sh010, 'Layout', 'WIP', ('Jade', 'Ravi'))
    add_task(sh010, 'Storyboard', 'Done')
    sh010.cast.add().name = 'Rex'
    # Colour tag 01 is bound to Retake by the template.
    strip(scene, 'sh020', package).color_tag = 'COLOR_01'
    strip(scene, 'sh030', package).watchtower.cast.add().name = 'Chair'
