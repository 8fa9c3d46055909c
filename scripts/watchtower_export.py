"""Export the loaded .blend file as a Watchtower site, from a Blender binary.

    blender -b EDIT.blend --python scripts/watchtower_export.py -- -d DEST [options]

Options are those of ``python -m watchtower_blender_addon export``; run with
``-- --help`` to list them. Exit status: 0 success, 2 bad input, 1 other failure.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from watchtower_blender_addon.blender import cli  # noqa: E402


def options_after_separator(argv: list[str]) -> list[str]:
    return argv[argv.index('--') + 1 :] if '--' in argv else []


if __name__ == '__main__':
    status = cli.main(
        options_after_separator(sys.argv),
        prog="blender -b EDIT.blend --python scripts/watchtower_export.py --",
    )
    sys.stdout.flush()
    sys.stderr.flush()
    # sys.exit inside --python does not set Blender's exit status in every version.
    os._exit(status)
