"""The Watchtower web client shows a bundled site correctly in headless Chromium."""

from __future__ import annotations

import pytest

from .conftest import BrowserRun, SiteUnderTest
from .expectations import expected_from_export

pytestmark = pytest.mark.browser


def test_browser_talks_only_to_local_server(browser_run: BrowserRun) -> None:
    assert browser_run.problems['network'] == []


def test_client_logs_no_errors(browser_run: BrowserRun) -> None:
    assert browser_run.problems['console'] == []


def test_project_listed_with_thumbnail(browser_run: BrowserRun) -> None:
    assert browser_run.problems['project_list'] == []


def test_client_loads_every_shot_and_sequence(browser_run: BrowserRun) -> None:
    assert browser_run.problems['shots'] == []


def test_team_members_show_names(browser_run: BrowserRun) -> None:
    assert browser_run.problems['team'] == []


def test_seeking_to_shot_shows_its_picture(browser_run: BrowserRun) -> None:
    assert browser_run.observation['seeks'], "no frame was checked"
    assert browser_run.problems['video'] == []


def test_client_seek_to_shot_start_shows_that_shot(browser_run: BrowserRun) -> None:
    assert browser_run.problems['shot_starts'] == []


def test_screenshots_saved(browser_run: BrowserRun) -> None:
    names = sorted(path.rsplit('/', 1)[-1] for path in browser_run.observation['screenshots'])
    assert names == ['project-list.png', 'project-page.png']


def test_expectation_from_export_matches_fixture(watchtower_site: SiteUnderTest) -> None:
    expected = watchtower_site.expected
    colors = {shot.name: shot.color for shot in expected.shots if shot.color is not None}

    assert expected_from_export(watchtower_site.site_dir, colors=colors) == expected
