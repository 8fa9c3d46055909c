"""The writer core imports in plain Python, without bpy."""

import pathlib
import subprocess
import sys

import watchtower_blender_addon.core

CORE_PATH = pathlib.Path(watchtower_blender_addon.core.__file__).parent

IMPORT_ALL = """
import importlib, pkgutil, sys
import watchtower_blender_addon.core as core
names = [info.name for info in pkgutil.iter_modules(core.__path__)]
for name in names:
    importlib.import_module('watchtower_blender_addon.core.' + name)
print(' '.join(sorted(names)))
print('bpy' in sys.modules)
"""


def test_core_modules_import_without_bpy():
    result = subprocess.run(
        [sys.executable, '-c', IMPORT_ALL],
        capture_output=True,
        text=True,
        cwd=CORE_PATH.parent.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    names_line, bpy_line = result.stdout.strip().splitlines()
    expected = sorted(path.stem for path in CORE_PATH.glob('*.py') if path.stem != '__init__')
    assert names_line.split() == expected
    assert bpy_line == 'False'
