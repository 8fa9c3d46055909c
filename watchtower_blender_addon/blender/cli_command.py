"""``blender --command watchtower_export`` (Blender 4.2 and later).

Takes the same options as the export script, after an optional .blend file to open
first, and returns the same exit statuses::

    blender --command watchtower_export EDIT.blend -d DEST [options]

Blender accepts only Python identifiers as command names, hence the underscore.
"""

from __future__ import annotations

from typing import Any

from . import ui_compat

COMMAND_NAME = 'watchtower_export'

# Handle returned by bpy.utils.register_cli_command, needed to unregister it.
_handle: Any = None


# NOTE: tests call run_command directly; no test starts a Blender 4.2+ binary with
# --command, because the test machines have only the bpy wheels and Blender 3.4.
def run_command(argv: list[str]) -> int:
    """Open the .blend file given first, if any, then export with the remaining options."""
    from . import cli, loading

    if argv and argv[0].lower().endswith('.blend'):
        status = loading.open_blend_file(argv[0])
        if status != 0:
            return int(status)
        argv = argv[1:]
    return int(cli.main(argv, prog=f'blender --command {COMMAND_NAME}'))


def register() -> None:
    global _handle
    if not ui_compat.has_cli_commands():
        return
    import bpy

    _handle = bpy.utils.register_cli_command(COMMAND_NAME, run_command)


def unregister() -> None:
    global _handle
    if _handle is None:
        return
    import bpy

    bpy.utils.unregister_cli_command(_handle)
    _handle = None
