"""Feature checks for the user interface, for the Blender versions the add-on supports."""

from __future__ import annotations

from typing import Any


def set_poll_message(operator_class: Any, message: str) -> None:
    """Show ``message`` as the reason a disabled button cannot run (Blender 3.0 and later)."""
    setter = getattr(operator_class, 'poll_message_set', None)
    if setter is not None:
        setter(message)


def set_status_text(context: Any, text: str | None) -> None:
    """Replace the status bar text, or restore Blender's own with None (needs a workspace)."""
    workspace = getattr(context, 'workspace', None)
    if workspace is not None:
        workspace.status_text_set(text)


def has_cli_commands() -> bool:
    """Return whether ``blender --command`` exists (Blender 4.2 and later)."""
    import bpy

    return hasattr(bpy.utils, 'register_cli_command')


def file_path_options() -> set[str]:
    """Return the options a file path property needs to accept "//" paths without a warning.

    Blender 4.5 added the option; older versions accept "//" paths without it.
    """
    import bpy

    if 'is_path_supports_blend_relative' in bpy.types.Property.bl_rna.properties:
        return {'PATH_SUPPORTS_BLEND_RELATIVE'}
    return set()
