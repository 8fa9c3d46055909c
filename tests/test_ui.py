"""The sidebar panels drawn in a real Blender window, on a virtual X display.

Needs a Blender binary and xvfb-run on PATH (Debian's blender 3.4 and xvfb on CI).
Blender prints a traceback, but keeps running, when a panel's draw function fails, so
the test reads Blender's output as well as the screenshot.
Set WATCHTOWER_SCREENSHOT to a .png path to keep the screenshot (docs/panel.png is
made this way).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

_TOOLS_MISSING = shutil.which('blender') is None or shutil.which('xvfb-run') is None

pytestmark = [
    pytest.mark.binary,
    pytest.mark.slow,
    # On CI the tools are installed by .ci/run, so their absence fails the tests there.
    pytest.mark.skipif(
        _TOOLS_MISSING and not os.environ.get('CI'),
        reason="needs blender and xvfb-run on PATH",
    ),
]

REPOSITORY = Path(__file__).resolve().parents[1]

# Runs inside Blender: build an edit with tracker data, show the Watchtower tab of the
# sequencer sidebar over the whole window, take a screenshot, quit.
GUI_SCRIPT = '''
import sys
import bpy

repository, screenshot = sys.argv[sys.argv.index('--') + 1:]
sys.path.insert(0, repository)
import watchtower_blender_addon
from tests.test_tracker_authoring import author_example, new_edit_scene, strip

watchtower_blender_addon.register()
scene = new_edit_scene()
author_example(scene, None)
scene.watchtower.export_directory = '//site'
scene.sequence_editor.active_strip = strip(scene, 'sh010')
scene.frame_current = 8

def largest_area(screen):
    return max(screen.areas, key=lambda area: area.width * area.height)

def show_watchtower_tab(area):
    regions = [region for region in area.regions if region.type == 'UI']
    if hasattr(regions[0], 'active_panel_category'):  # Blender 4.0 and later
        regions[0].active_panel_category = 'Watchtower'
        return
    # Older Blender shows the first tab: leave only the Watchtower tab in the sidebar.
    for panel in bpy.types.Panel.__subclasses__():
        if getattr(panel, 'bl_space_type', '') == 'SEQUENCE_EDITOR' and getattr(
            panel, 'bl_region_type', ''
        ) == 'UI' and getattr(panel, 'bl_category', '') != 'Watchtower':
            if getattr(panel, 'is_registered', False):
                bpy.utils.unregister_class(panel)

def show_sidebar():
    window = bpy.context.window_manager.windows[0]
    area = largest_area(window.screen)
    area.type = 'SEQUENCE_EDITOR'
    space = area.spaces.active
    space.view_type = 'SEQUENCER'
    space.show_region_ui = True
    show_watchtower_tab(area)

def view_all_and_capture():
    window = bpy.context.window_manager.windows[0]
    area = largest_area(window.screen)
    main = [region for region in area.regions if region.type == 'WINDOW'][0]
    with bpy.context.temp_override(window=window, area=area, region=main):
        bpy.ops.sequencer.view_all()
    return None

def capture():
    window = bpy.context.window_manager.windows[0]
    area = largest_area(window.screen)
    with bpy.context.temp_override(window=window, area=area):
        bpy.ops.screen.screenshot_area(filepath=screenshot)
    print('SCREENSHOT-WRITTEN', flush=True)
    bpy.ops.wm.quit_blender()

def step(state=[0]):
    state[0] += 1
    try:
        if state[0] == 1:
            show_sidebar()
        elif state[0] == 2:
            view_all_and_capture()
        elif state[0] == 4:
            capture()
            return None
    except Exception:
        import traceback
        traceback.print_exc()
        bpy.ops.wm.quit_blender()
        return None
    return 0.5

bpy.app.timers.register(step, first_interval=1.0)
'''


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b'\x89PNG\r\n\x1a\n', f"{path} is not a PNG file"
    width, height = struct.unpack('>II', header[16:24])
    return width, height


def blender_user_environment(tmp_path: Path) -> dict[str, str]:
    """Return an environment whose Blender user folders are under ``tmp_path``.

    Saved preferences there keep away the splash screen and the first-start setup,
    and keep the developer's own preferences and add-ons out of the test.
    """
    for folder in ('config', 'scripts'):
        (tmp_path / folder).mkdir(exist_ok=True)
    environment = dict(
        os.environ,
        BLENDER_USER_CONFIG=str(tmp_path / 'config'),
        BLENDER_USER_SCRIPTS=str(tmp_path / 'scripts'),
        # Blender writes quit.blend into its temporary folder when it quits.
        TMPDIR=str(tmp_path),
    )
    save = (
        "import bpy; bpy.context.preferences.view.show_splash = False; bpy.ops.wm.save_userpref()"
    )
    saved = subprocess.run(
        ['blender', '-b', '--factory-startup', '--python-expr', save],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert (tmp_path / 'config' / 'userpref.blend').is_file(), saved.stdout + saved.stderr
    return environment


def test_panels_draw_in_blender_window(tmp_path: Path) -> None:
    screenshot = Path(os.environ.get('WATCHTOWER_SCREENSHOT', tmp_path / 'panel.png')).resolve()
    script = tmp_path / 'show_panel.py'
    script.write_text(GUI_SCRIPT)
    environment = blender_user_environment(tmp_path)
    command = ['xvfb-run', '--auto-servernum', '--server-args=-screen 0 1400x1300x24']
    command += ['blender', '-p', '0', '0', '1400', '1300']
    command += ['--python', str(script), '--', str(REPOSITORY), str(screenshot)]
    result = subprocess.run(
        command, capture_output=True, text=True, env=environment, timeout=180, check=False
    )
    output = result.stdout + result.stderr

    assert 'SCREENSHOT-WRITTEN' in output, output[-4000:]
    assert 'Traceback' not in output, output[-4000:]
    width, height = png_size(screenshot)
    assert width > 600
    assert height > 400


# Runs inside Blender: start the export operator as the sidebar button does, press Esc
# while it renders, then export again to the end.
MODAL_EXPORT_SCRIPT = '''
import json, os, sys
import bpy

repository, work = sys.argv[sys.argv.index('--') + 1:]
sys.path.insert(0, repository)
import watchtower_blender_addon
from watchtower_blender_addon.blender import ops
from tests.test_tracker_authoring import author_example, new_edit_scene, strip

watchtower_blender_addon.register()
scene = new_edit_scene()
author_example(scene, None)
scene.frame_end = 480
strip(scene, 'sh030').frame_final_duration = 448
bpy.ops.wm.save_as_mainfile(filepath=os.path.join(work, 'edit.blend'))
site = os.path.join(work, 'site')
results = []

def start_export(video):
    window = bpy.context.window_manager.windows[0]
    with bpy.context.temp_override(window=window):
        bpy.ops.watchtower.export(
            'INVOKE_DEFAULT', directory=site, use_file_browser=False, video=video, previews=False
        )

def running_job():
    return next(iter(ops.running_exports))._job if ops.running_exports else None

def step(state={'phase': 'start'}):
    window = bpy.context.window_manager.windows[0]
    phase = state['phase']
    if phase == 'start':
        start_export(video=True)
        state['phase'] = 'wait for rendering'
    elif phase == 'wait for rendering':
        job = running_job()
        if job is None:
            results.append('first export ended before Esc')
            state['phase'] = 'done'
        elif job.progress is not None and 'Render' in job.progress.step:
            state['job'] = job
            window.event_simulate(type='ESC', value='PRESS')
            state['phase'] = 'wait for cancel'
    elif phase == 'wait for cancel':
        if not ops.running_exports:
            job = state['job']
            stopped = job.cancelled and job.returncode != 0
            results.append('cancelled' if stopped else 'not cancelled')
            published = os.path.exists(os.path.join(site, 'data', 'projects-list'))
            results.append('site written' if published else 'site kept empty')
            start_export(video=False)
            state['phase'] = 'wait for export'
    elif phase == 'wait for export':
        if not ops.running_exports:
            index = os.path.join(site, 'data', 'projects-list', 'index.json')
            results.append('exported' if os.path.isfile(index) else 'not exported')
            state['phase'] = 'done'
    if state['phase'] == 'done':
        print('MODAL-RESULTS ' + json.dumps(results), flush=True)
        bpy.ops.wm.quit_blender()
        return None
    return 0.2

bpy.app.timers.register(step, first_interval=1.0)
'''


def test_export_operator_runs_modal_in_window(tmp_path: Path) -> None:
    script = tmp_path / 'modal_export.py'
    script.write_text(MODAL_EXPORT_SCRIPT)
    environment = blender_user_environment(tmp_path)
    command = ['xvfb-run', '--auto-servernum', '--server-args=-screen 0 1000x700x24']
    command += ['blender', '--enable-event-simulate', '-p', '0', '0', '1000', '700']
    command += ['--python', str(script), '--', str(REPOSITORY), str(tmp_path)]
    result = subprocess.run(
        command, capture_output=True, text=True, env=environment, timeout=180, check=False
    )
    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if line.startswith('MODAL-RESULTS ')]

    assert lines, output[-4000:]
    assert 'Traceback' not in output, output[-4000:]
    assert json.loads(lines[-1][len('MODAL-RESULTS ') :]) == [
        'cancelled',
        'site kept empty',
        'exported',
    ]
