"""Fixtures of the browser tests.

``watchtower_site`` is the bundled site the tests open. Override it (a fixture of the same
name in a test module or a closer conftest.py) to run the same tests on another export,
such as the demo's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from watchtower_blender_addon.core.bundle import bundle_site

from .browser_check import find_problems, observe_site_in_browser, require_browser
from .expectations import ExpectedSite
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


@pytest.fixture(scope='session')
def watchtower_site(tmp_path_factory: pytest.TempPathFactory) -> SiteUnderTest:
    destination = tmp_path_factory.mktemp('fixture-site')
    expected = write_fixture_site(destination)
    bundle_site(destination)
    return SiteUnderTest(destination, expected)


@pytest.fixture(scope='session')
def browser_run(watchtower_site: SiteUnderTest) -> BrowserRun:
    """Open ``watchtower_site`` once in Chromium for all the tests that inspect it."""
    require_browser()
    observation = observe_site_in_browser(watchtower_site.site_dir, watchtower_site.expected)
    return BrowserRun(observation, find_problems(observation, watchtower_site.expected))
