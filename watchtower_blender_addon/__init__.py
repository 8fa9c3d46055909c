"""Watchtower export for Blender's Video Sequence Editor.

The package imports without Blender: ``core`` never imports ``bpy``, and the
Blender layer is loaded only by ``register()`` or by the command line.
"""


def register() -> None:
    from .blender import addon

    addon.register()


def unregister() -> None:
    from .blender import addon

    addon.unregister()
