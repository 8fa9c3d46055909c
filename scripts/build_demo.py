"""Build the demo edit: ``python scripts/build_demo.py FOLDER`` writes FOLDER/demo-edit.blend."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from watchtower_blender_addon.blender.demo import build_demo  # noqa: E402

if __name__ == '__main__':
    print(build_demo(sys.argv[1] if len(sys.argv) > 1 else "demo-build"))
