"""Open a .blend file in the ``bpy`` module, with one-line errors."""

from __future__ import annotations

import os
import sys

import bpy

from .cli import blender_output_silenced


def open_blend_file(path: str) -> int:
    """Load ``path`` as the current file; return 0, or 2 after printing why it failed."""
    if os.path.isdir(path):
        print(f"error: {path}: is a folder, not a .blend file", file=sys.stderr)
        return 2
    if not os.path.isfile(path):
        print(f"error: {path}: file not found", file=sys.stderr)
        return 2
    try:
        with blender_output_silenced():
            bpy.ops.wm.open_mainfile(filepath=os.path.abspath(path), load_ui=False)
    except RuntimeError as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else "unreadable"
        print(f"error: {path}: cannot open the .blend file: {reason}", file=sys.stderr)
        return 2
    return 0
