"""``python -m watchtower_blender_addon``: export an edit, or serve an exported site.

    python -m watchtower_blender_addon export EDIT.blend -d DEST [options]
    python -m watchtower_blender_addon serve DEST [--port N]

``export`` needs the ``bpy`` module (``pip install bpy``); ``serve`` does not.
"""

from __future__ import annotations

import sys

USAGE = """usage: python -m watchtower_blender_addon export EDIT.blend -d DEST [options]
       python -m watchtower_blender_addon serve DEST [--port N]

Run a command with --help for its options."""


def export_main(argv: list[str]) -> int:
    from .blender import cli

    return cli.main(argv, prog="python -m watchtower_blender_addon export", blend_file=True)


def serve_main(argv: list[str]) -> int:
    from .core.serve import serve_main as run_server

    return run_server(argv)


def main(argv: list[str]) -> int:
    commands = {'export': export_main, 'serve': serve_main}
    if argv and argv[0] in {'-h', '--help'}:
        print(USAGE)
        return 0
    if not argv or argv[0] not in commands:
        given = f"unknown command '{argv[0]}'" if argv else "missing command"
        print(f"error: {given} (choose export or serve)\n{USAGE}", file=sys.stderr)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
