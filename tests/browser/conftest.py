"""Fixtures of the browser tests.

``watchtower_site`` is the bundled site the tests open. Override it (a fixture of the same
name in a test module or a closer conftest.py) to run the same tests on another export,
such as the demo's.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from watchtower_blender_addon.core.bundle import bundle_site

from .browser_check import find_problems, observe_site_in_browser, require_browser
from .expectations import ExpectedSite, expected_from_export
from .site_fixture import write_fixture_site


class SiteUnderTest(NamedTuple):
    # An export destination with a watchtower/ bundle (bundle_site already run).
    site_dir: Path
    expected: ExpectedSite


@dataclass(frozen=True)
class BrowserRun:
    # Not in the repr, which pytest prints for every failing test that uses the fixture.
    observation: dict[str, Any] = field(repr=False)
    problems: dict[str, list[str]] = field(repr=False)


@pytest.fixture(scope='session', params=['fixture', 'demo'])
def watchtower_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> SiteUnderTest:
    """The hand-written fixture site, then the demo edit exported and bundled for real."""
    if request.param == 'demo':
        return export_demo_site(tmp_path_factory.mktemp('demo-site'))
    destination = tmp_path_factory.mktemp('fixture-site')
    expected = write_fixture_site(destination)
    bundle_site(destination)
    return SiteUnderTest(destination, expected)


def export_demo_site(folder: Path) -> SiteUnderTest:
    """Build the demo edit and export it with ``--bundle``, as ``scripts/demo`` does.

    The expected shots come from the demo's own definition (names, lengths, colours),
    so a shot missing from the export or off by a frame fails the checks.
    """
    from watchtower_blender_addon.blender.demo import demo_shots

    root = Path(__file__).resolve().parents[2]
    build = [sys.executable, str(root / 'scripts' / 'build_demo.py'), str(folder / 'edit')]
    built = subprocess.run(build, capture_output=True, text=True, check=True)
    blend = built.stdout.strip().splitlines()[-1]
    destination = folder / 'site'
    export = [sys.executable, '-m', 'watchtower_blender_addon', 'export', blend,
              '-d', str(destination), '--bundle', '--quiet', '--video-width', '640']
    subprocess.run(export, capture_output=True, text=True, check=True, cwd=root)

    shots = demo_shots()
    colors = {shot.name: tuple(round(c * 255) for c in shot.color) for shot in shots}
    expected = expected_from_export(destination, colors=colors)  # type: ignore[arg-type]
    starts = [sum(shot.length for shot in shots[:index]) for index in range(len(shots))]
    defined = [(shot.name, start, shot.length) for shot, start in zip(shots, starts)]
    exported = [(shot.name, shot.start_frame, shot.frame_count) for shot in expected.shots]
    assert exported == defined, "the demo export's shots differ from the demo's definition"
    return SiteUnderTest(destination, expected)


@pytest.fixture(scope='session')
def browser_run(watchtower_site: SiteUnderTest) -> BrowserRun:
    """Open ``watchtower_site`` once in Chromium for all the tests that inspect it."""
    require_browser()
    observation = observe_site_in_browser(watchtower_site.site_dir, watchtower_site.expected)
    return BrowserRun(observation, find_problems(observation, watchtower_site.expected))
