"""Run the export command line with a pause at one publish step.

    python tests/robustness_fixtures/export_paused.py STEP BARRIER EDIT.blend [options]

Behaves like ``python -m watchtower_blender_addon export EDIT.blend [options]`` with one
difference. When the publish reaches STEP ("validated", "locked", "swapped",
"preview-replaced", "index-merged"), it creates ``BARRIER/STEP.reached`` and waits
until ``BARRIER/STEP.release`` exists. The exit status is the command line's.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.dirname(TESTS_DIR)]

from watchtower_blender_addon import __main__ as command_line  # noqa: E402
from watchtower_blender_addon.blender import export  # noqa: E402


def make_pause(step: str, barrier: Path):
    def pause_at(name: str) -> None:
        if name != step:
            return
        (barrier / f"{name}.reached").touch()
        while not (barrier / f"{name}.release").exists():
            time.sleep(0.01)

    return pause_at


def main(step: str, barrier: str, blend: str, options: list[str]) -> int:
    pause = make_pause(step, Path(barrier))
    # The command line imports export_scene when it runs, so it picks up this wrapper.
    export.export_scene = functools.partial(export.export_scene, checkpoint=pause)
    return command_line.main(['export', blend, *options])


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
