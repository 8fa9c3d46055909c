"""Build the demo edit into FOLDER/demo-edit.blend.

    python scripts/build_demo.py FOLDER
    blender -b --factory-startup --python scripts/build_demo.py -- FOLDER

A file saved by a newer Blender does not open in an older one, so tests that run
an older Blender binary build the demo with that binary.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from watchtower_blender_addon.blender.demo import build_demo  # noqa: E402

if __name__ == '__main__':
    arguments = sys.argv[sys.argv.index('--') + 1 :] if '--' in sys.argv else sys.argv[1:]
    print(build_demo(arguments[0] if arguments else "demo-build"))
