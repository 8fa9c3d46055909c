"""Atomic publishing of a project: completeness checks, swap, cleanup and interruption."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.publish_helpers.fake_site import (
    JSON_NAMES,
    TOTAL_FRAMES,
    count_fake_frames,
    index_entries,
    list_item,
    list_preview_tag,
    project_documents,
    publish_fake_project,
    published_tag,
    release_pause,
    run_helper,
    shot_preview_site_path,
    signal_exit_statuses,
    staging_leftovers,
    start_helper,
    stop_helper,
    wait_for_pause,
    write_documents,
    write_media,
)
from watchtower_blender_addon.core import fileops, publish, staging_dirs
from watchtower_blender_addon.core.errors import ExportFailed, InputError

PID = "proj1"


@pytest.fixture
def dest(tmp_path):
    """A destination holding a published export "old" of PID and one of "other0"."""
    site = tmp_path / "site"
    publish_fake_project(site, "other0", "kept")
    publish_fake_project(site, PID, "old")
    return site


def index_bytes(site: Path) -> bytes:
    return (site / "data/projects-list/index.json").read_bytes()


def assert_previous_export_intact(site: Path) -> None:
    assert published_tag(site, PID) == "old"
    assert list_preview_tag(site, PID) == "old"
    assert index_entries(site)[PID]["name"] == f"{PID} old"
    assert published_tag(site, "other0") == "kept"
    assert staging_leftovers(site) == []


def stage_with_documents(stage, tag="new", **changes):
    """Write a fake export into ``stage``, replacing whole documents by file name."""
    write_media(stage, tag)
    write_documents(stage, tag)
    for name, document in changes.items():
        path = stage.project_dir / name.replace("_", ".")
        path.write_text(json.dumps(document), encoding="utf-8")


def commit_new(stage, **options):
    options.setdefault("expected_total_frames", TOTAL_FRAMES)
    options.setdefault("count_video_frames", count_fake_frames)
    stage.commit(list_item(PID, "new"), **options)


# Successful publishing ---------------------------------------------------------------


def test_first_publish_creates_project_list_and_previews(tmp_path):
    site = tmp_path / "missing" / "site"

    publish_fake_project(site, PID, "first")

    assert published_tag(site, PID) == "first"
    assert list_preview_tag(site, PID) == "first"
    assert index_entries(site) == {PID: list_item(PID, "first")}
    assert staging_leftovers(site) == []


def test_republish_replaces_project_and_keeps_others(dest):
    publish_fake_project(dest, PID, "new")

    assert published_tag(dest, PID) == "new"
    assert list_preview_tag(dest, PID) == "new"
    assert index_entries(dest)[PID] == list_item(PID, "new")
    assert published_tag(dest, "other0") == "kept"
    assert list(index_entries(dest)) == ["other0", PID]
    assert staging_leftovers(dest) == []


def test_republish_without_exchange_uses_rename_aside(dest, monkeypatch):
    calls = []
    monkeypatch.setattr(publish, "exchange_paths", lambda *paths: calls.append(paths) or False)

    publish_fake_project(dest, PID, "new")

    assert len(calls) == 1
    assert published_tag(dest, PID) == "new"
    assert staging_leftovers(dest) == []


def test_stale_files_of_previous_export_are_gone(dest):
    stale_preview = dest / shot_preview_site_path(PID, "zz99")
    stale_preview.parent.mkdir(parents=True)
    stale_preview.write_bytes(b"shot of the old edit")

    publish_fake_project(dest, PID, "new")

    assert not stale_preview.exists()


def test_staging_root_is_laid_out_like_destination(dest):
    with publish.ProjectStaging(dest, PID) as stage:
        assert stage.staging_dir.parent == dest / "data" / "projects"
        assert stage.project_dir == stage.root / "data" / "projects" / PID
        assert stage.list_preview_path == (
            stage.root / "data" / "projects-list" / "previews" / "pr" / f"{PID}.png"
        )
        assert stage.project_dir.is_dir()
        assert stage.list_preview_path.parent.is_dir()
        commit_new_after_writing(stage)


def commit_new_after_writing(stage):
    stage_with_documents(stage)
    commit_new(stage)


def test_invalid_project_id_raises_before_staging(tmp_path):
    with pytest.raises(InputError, match="Invalid project id '.hidden'"):
        publish.ProjectStaging(tmp_path, ".hidden")
    assert list(tmp_path.iterdir()) == []


def test_commit_twice_is_a_programming_error(dest):
    with publish.ProjectStaging(dest, PID) as stage:
        commit_new_after_writing(stage)
        with pytest.raises(RuntimeError, match="once"):
            commit_new(stage)


# Completeness checks -----------------------------------------------------------------


@pytest.mark.parametrize("name", JSON_NAMES)
def test_missing_json_file_fails_and_keeps_previous_export(dest, name):
    with pytest.raises(ExportFailed) as raised, publish.ProjectStaging(dest, PID) as stage:
        stage_with_documents(stage)
        (stage.project_dir / name).unlink()
        commit_new(stage)

    message = str(raised.value)
    assert f"data/projects/{PID}/{name} is missing" in message
    assert str(dest) in message
    assert_previous_export_intact(dest)


def test_invalid_json_fails_naming_the_file(dest):
    with (
        pytest.raises(ExportFailed, match=f"data/projects/{PID}/shots.json is not valid JSON"),
        publish.ProjectStaging(dest, PID) as stage,
    ):
        stage_with_documents(stage)
        (stage.project_dir / "shots.json").write_text("[{", encoding="utf-8")
        commit_new(stage)
    assert_previous_export_intact(dest)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("/data/projects/proj1/previews/ab/ab12.png", "is absolute"),
        ("C:/data/projects/proj1/previews/ab/ab12.png", "is absolute"),
        ("data\\projects\\proj1\\previews\\ab\\ab12.png", "backslash"),
        ("data/projects/proj1/previews/ab/../ab/ab12.png", "'..' segment"),
        ("data/projects/proj1//previews/ab/ab12.png", "empty"),
        ("./data/projects/proj1/previews/ab/ab12.png", "'.'"),
        ("data/projects/proj1/previews/ab/missing.png", "missing file"),
        ("data/projects/other0/previews/ab/ab12.png", "missing file"),
        ("https://example.org/ab12.png", "is a URL"),
        ("", "non-empty string"),
        (7, "non-empty string"),
    ],
)
def test_bad_thumbnail_url_fails_naming_file_and_url(dest, url, problem):
    shots = project_documents(PID, "new")["shots.json"]
    shots[1]["thumbnailUrl"] = url

    with pytest.raises(ExportFailed) as raised, publish.ProjectStaging(dest, PID) as stage:
        stage_with_documents(stage, shots_json=shots)
        commit_new(stage)

    message = str(raised.value)
    assert f"data/projects/{PID}/shots.json: thumbnailUrl {url!r}" in message
    assert problem in message
    assert_previous_export_intact(dest)


def test_nested_thumbnail_url_is_checked(dest):
    project = project_documents(PID, "new")["project.json"]
    project["team"] = [{"id": "u1", "full_name": "Jade", "thumbnailUrl": "avatars/u1.png"}]

    with (
        pytest.raises(ExportFailed, match="project.json: thumbnailUrl 'avatars/u1.png'"),
        publish.ProjectStaging(dest, PID) as stage,
    ):
        stage_with_documents(stage, project_json=project)
        commit_new(stage)
    assert_previous_export_intact(dest)


def test_thumbnail_symlink_leaving_export_fails(dest, tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"png")

    with (
        pytest.raises(ExportFailed, match="symbolic link"),
        publish.ProjectStaging(dest, PID) as stage,
    ):
        stage_with_documents(stage)
        preview = stage.root / shot_preview_site_path(PID, "ab12")
        preview.unlink()
        preview.symlink_to(outside)
        commit_new(stage)
    assert_previous_export_intact(dest)


def test_list_item_thumbnail_must_be_staged(dest):
    with (
        pytest.raises(ExportFailed, match="project-list item: thumbnailUrl"),
        publish.ProjectStaging(dest, PID) as stage,
    ):
        stage_with_documents(stage)
        stage.list_preview_path.unlink()
        commit_new(stage)
    assert_previous_export_intact(dest)


def test_list_item_without_thumbnail_keeps_old_preview_file(dest):
    with publish.ProjectStaging(dest, PID) as stage:
        stage_with_documents(stage)
        stage.list_preview_path.unlink()
        stage.commit({"id": PID, "name": "no preview", "thumbnailUrl": None})

    assert index_entries(dest)[PID]["thumbnailUrl"] is None
    assert published_tag(dest, PID) == "new"


@pytest.mark.parametrize(
    ("source_name", "problem"),
    [
        ("data/projects/proj1/missing.mp4", "missing file"),
        ("/data/projects/proj1/edit.mp4", "is absolute"),
        ("data/projects/proj1/../proj1/edit.mp4", "'..' segment"),
        (12, "non-empty string"),
    ],
)
def test_bad_source_name_fails(dest, source_name, problem):
    edit = project_documents(PID, "new")["edit.json"]
    edit["sourceName"] = source_name

    with pytest.raises(ExportFailed) as raised, publish.ProjectStaging(dest, PID) as stage:
        stage_with_documents(stage, edit_json=edit)
        commit_new(stage)

    assert f"edit.json: sourceName {source_name!r}" in str(raised.value)
    assert problem in str(raised.value)
    assert_previous_export_intact(dest)


@pytest.mark.parametrize("source_name", ["https://cdn.example.org/edit.mp4", "", None])
def test_remote_or_absent_source_is_not_counted(dest, source_name):
    edit = project_documents(PID, "new")["edit.json"]
    edit["sourceName"] = source_name
    counted = []

    with publish.ProjectStaging(dest, PID) as stage:
        stage_with_documents(stage, edit_json=edit)
        commit_new(stage, count_video_frames=lambda path: counted.append(path) or 0)

    assert counted == []
    assert json.loads((dest / f"data/projects/{PID}/edit.json").read_text())["sourceName"] == (
        source_name
    )


def test_video_frame_count_mismatch_fails(dest):
    with pytest.raises(ExportFailed) as raised, publish.ProjectStaging(dest, PID) as stage:
        stage_with_documents(stage)
        commit_new(stage, count_video_frames=lambda path: TOTAL_FRAMES - 1)

    message = str(raised.value)
    assert f"data/projects/{PID}/edit.mp4 has 2 frames" in message
    assert "totalFrames is 3" in message
    assert_previous_export_intact(dest)


def test_video_counter_receives_staged_video(dest):
    seen = []

    def count(path):
        seen.append(path)
        return TOTAL_FRAMES

    with publish.ProjectStaging(dest, PID) as stage:
        stage_with_documents(stage)
        commit_new(stage, count_video_frames=count)
        staged_video = stage.project_dir / "edit.mp4"

    assert seen == [staged_video]


def test_undecodable_video_fails_naming_it(dest):
    def count(path):
        raise ValueError("Invalid data found when processing input")

    with (
        pytest.raises(ExportFailed, match="edit.mp4 cannot be decoded: Invalid data"),
        publish.ProjectStaging(dest, PID) as stage,
    ):
        stage_with_documents(stage)
        commit_new(stage, count_video_frames=count)
    assert_previous_export_intact(dest)


def test_expected_total_frames_mismatch_fails(dest):
    with (
        pytest.raises(ExportFailed, match="totalFrames is 3, expected 5"),
        publish.ProjectStaging(dest, PID) as stage,
    ):
        stage_with_documents(stage)
        commit_new(stage, expected_total_frames=5)
    assert_previous_export_intact(dest)


@pytest.mark.parametrize("total_frames", [-1, 2.5, "3", True, None])
def test_total_frames_must_be_whole_number(dest, total_frames):
    edit = project_documents(PID, "new")["edit.json"]
    edit["totalFrames"] = total_frames

    with (
        pytest.raises(ExportFailed, match="totalFrames .* is not a whole number"),
        publish.ProjectStaging(dest, PID) as stage,
    ):
        stage_with_documents(stage, edit_json=edit)
        commit_new(stage, expected_total_frames=None, count_video_frames=None)
    assert_previous_export_intact(dest)


def test_project_json_with_other_id_fails(dest):
    project = project_documents(PID, "new")["project.json"]
    project["id"] = "someone-else"

    with (
        pytest.raises(ExportFailed, match="project.json has id 'someone-else'"),
        publish.ProjectStaging(dest, PID) as stage,
    ):
        stage_with_documents(stage, project_json=project)
        commit_new(stage)
    assert_previous_export_intact(dest)


def test_list_item_with_other_id_fails(dest):
    with (
        pytest.raises(ExportFailed, match="project-list item has id 'other0'"),
        publish.ProjectStaging(dest, PID) as stage,
    ):
        stage_with_documents(stage)
        stage.commit({**list_item(PID, "new"), "id": "other0"})
    assert_previous_export_intact(dest)
    assert index_entries(dest)["other0"]["name"] == "other0 kept"


def test_file_outside_project_folder_fails(dest):
    with (
        pytest.raises(ExportFailed, match="data/projects-list/index.json is outside"),
        publish.ProjectStaging(dest, PID) as stage,
    ):
        stage_with_documents(stage)
        (stage.root / "data/projects-list/index.json").write_text('{"projects": []}')
        commit_new(stage)
    assert_previous_export_intact(dest)


# Failures around the commit ----------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"projects": {}}', b"[]", b'{"projects": [{"name": "no id"}]}'],
)
def test_malformed_index_stops_export_and_is_unchanged(dest, content):
    index = dest / "data/projects-list/index.json"
    index.write_bytes(content)

    with pytest.raises(ExportFailed) as raised:
        publish_fake_project(dest, PID, "new")

    message = str(raised.value)
    assert str(index) in message
    assert "left unchanged" in message
    assert "\n" not in message
    assert index.read_bytes() == content
    assert published_tag(dest, PID) == "old"
    assert list_preview_tag(dest, PID) == "old"
    assert staging_leftovers(dest) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "rename-aside"])
def test_index_write_failure_puts_previous_export_back(dest, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(publish, "exchange_paths", lambda first, second: False)
    before = index_bytes(dest)

    def merge_on_full_disk(index_path, items):
        raise OSError(errno.ENOSPC, "No space left on device", str(index_path))

    with pytest.raises(ExportFailed) as raised:
        publish_fake_project(dest, PID, "new", merge_project_list=merge_on_full_disk)

    message = str(raised.value)
    assert "No space left on device" in message
    assert str(dest) in message
    assert "previous export was put back" in message
    assert index_bytes(dest) == before
    assert_previous_export_intact(dest)


def test_failed_first_publish_removes_project(tmp_path):
    site = tmp_path / "site"
    publish_fake_project(site, "other0", "kept")

    def failing_merge(index_path, items):
        raise OSError(errno.EIO, "Input/output error", str(index_path))

    with pytest.raises(ExportFailed, match="Input/output error"):
        publish_fake_project(site, PID, "new", merge_project_list=failing_merge)

    assert not (site / f"data/projects/{PID}").exists()
    assert not (site / f"data/projects-list/previews/pr/{PID}.png").exists()
    assert list(index_entries(site)) == ["other0"]
    assert staging_leftovers(site) == []


def test_exception_inside_block_removes_staging(dest):
    with pytest.raises(ZeroDivisionError), publish.ProjectStaging(dest, PID) as stage:
        write_media(stage, "new")
        raise ZeroDivisionError("failure while rendering")
    assert_previous_export_intact(dest)


def test_keyboard_interrupt_inside_block_removes_staging(dest):
    with pytest.raises(KeyboardInterrupt), publish.ProjectStaging(dest, PID) as stage:
        write_media(stage, "new")
        raise KeyboardInterrupt
    assert_previous_export_intact(dest)


def test_block_without_commit_publishes_nothing(dest, caplog):
    with publish.ProjectStaging(dest, PID) as stage:
        stage_with_documents(stage)

    assert "ended without commit" in caplog.text
    assert_previous_export_intact(dest)


def test_disk_full_while_staging_raises_export_failed(dest):
    with pytest.raises(ExportFailed) as raised, publish.ProjectStaging(dest, PID) as stage:
        write_media(stage, "new")
        raise OSError(errno.ENOSPC, "No space left on device", str(stage.project_dir))

    message = str(raised.value)
    assert message.startswith(f"Cannot write the export of project {PID!r} to {dest}")
    assert "No space left on device" in message
    assert isinstance(raised.value.__cause__, OSError)
    assert_previous_export_intact(dest)


def test_other_os_errors_pass_through_unchanged(dest):
    with pytest.raises(FileNotFoundError), publish.ProjectStaging(dest, PID):
        raise FileNotFoundError(errno.ENOENT, "No such file", "/scenes/shot.blend")
    assert_previous_export_intact(dest)


# Folder exchange ---------------------------------------------------------------------


def test_exchange_paths_swaps_two_folders(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "mark").write_text("first")
    (second / "mark").write_text("second")

    if not fileops.exchange_paths(first, second):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available on this system")

    assert (first / "mark").read_text() == "second"
    assert (second / "mark").read_text() == "first"


def test_exchange_paths_reports_missing_path(tmp_path):
    (tmp_path / "first").mkdir()

    with pytest.raises(FileNotFoundError):
        fileops.exchange_paths(tmp_path / "first", tmp_path / "missing")


# Stale staging folders ---------------------------------------------------------------


def make_staging_dir(site: Path, owner: dict | None) -> Path:
    folder = site / "data" / "projects" / f"{staging_dirs.STAGING_PREFIX}test"
    (folder / "root" / "data" / "projects" / PID).mkdir(parents=True)
    (folder / "root" / "data" / "projects" / PID / "edit.mp4").write_bytes(b"partial")
    if owner is not None:
        (folder / staging_dirs.OWNER_FILE_NAME).write_text(json.dumps(owner))
    return folder


def ended_process_id() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def owner_record(**changes):
    record = {
        "pid": os.getpid(),
        "hostname": staging_dirs.socket.gethostname(),
        "start_time": staging_dirs.process_start_time(os.getpid()),
        "project_id": PID,
        "created": time.time(),
    }
    record.update(changes)
    return record


def test_staging_of_ended_process_is_removed(dest):
    folder = make_staging_dir(dest, owner_record(pid=ended_process_id(), start_time=None))

    assert staging_dirs.remove_stale_staging(dest) == [folder]
    assert not folder.exists()
    assert_previous_export_intact(dest)


def test_staging_of_running_process_is_kept(dest):
    folder = make_staging_dir(dest, owner_record())

    assert staging_dirs.remove_stale_staging(dest) == []
    assert folder.is_dir()


def test_staging_of_reused_process_id_is_removed(dest):
    start_time = staging_dirs.process_start_time(os.getpid())
    if start_time is None:
        pytest.skip("process start times need /proc (Linux)")
    folder = make_staging_dir(dest, owner_record(start_time=start_time - 1))

    assert staging_dirs.remove_stale_staging(dest) == [folder]


def test_foreign_host_staging_expires(dest):
    folder = make_staging_dir(dest, owner_record(hostname="render-node-7"))
    assert staging_dirs.remove_stale_staging(dest) == []

    old = time.time() - staging_dirs.FOREIGN_STAGING_MAX_AGE_SECONDS - 60
    (folder / staging_dirs.OWNER_FILE_NAME).write_text(
        json.dumps(owner_record(hostname="render-node-7", created=old))
    )
    assert staging_dirs.remove_stale_staging(dest) == [folder]


def test_staging_without_owner_is_kept_during_grace_period(dest):
    folder = make_staging_dir(dest, None)
    assert staging_dirs.remove_stale_staging(dest) == []

    old = time.time() - staging_dirs.UNOWNED_STAGING_GRACE_SECONDS - 60
    os.utime(folder, (old, old))
    assert staging_dirs.remove_stale_staging(dest) == [folder]


def test_entering_staging_removes_stale_folders(dest):
    folder = make_staging_dir(dest, owner_record(pid=ended_process_id(), start_time=None))

    publish_fake_project(dest, "other1", "one")

    assert not folder.exists()
    assert staging_leftovers(dest) == []


def test_killed_rename_aside_puts_previous_project_back(dest):
    final = dest / "data" / "projects" / PID
    folder = make_staging_dir(dest, owner_record(pid=ended_process_id(), start_time=None))
    final.rename(folder / staging_dirs.PREVIOUS_PROJECT_DIR_NAME)

    staging_dirs.remove_stale_staging(dest)

    assert_previous_export_intact(dest)


# Signals -----------------------------------------------------------------------------


def test_sigterm_becomes_system_exit_and_handler_is_restored():
    before = signal.getsignal(signal.SIGTERM)

    with pytest.raises(SystemExit) as raised, publish.termination_as_exception():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)

    assert raised.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before


def test_termination_handlers_need_main_thread():
    errors = []

    def enter():
        try:
            with publish.termination_as_exception():
                pass
        except RuntimeError as error:
            errors.append(error)

    thread = threading.Thread(target=enter)
    thread.start()
    thread.join()

    assert len(errors) == 1
    assert "main thread" in str(errors[0])


def test_sigterm_during_publish_waits_for_publish_to_finish(dest):
    def terminate_at_swap(name):
        if name == "swapped":
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(SystemExit), publish.termination_as_exception():
        publish_fake_project(dest, PID, "new", checkpoint=terminate_at_swap)

    assert published_tag(dest, PID) == "new"
    assert list_preview_tag(dest, PID) == "new"
    assert index_entries(dest)[PID]["name"] == f"{PID} new"
    assert staging_leftovers(dest) == []


# Full and read-only filesystems ------------------------------------------------------


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 1 MiB tmpfs mounted on a fresh folder, or a skip where mounting is impossible."""
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        check=False,
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root with CAP_SYS_ADMIN: {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


def test_full_filesystem_fails_and_keeps_previous_export(small_tmpfs):
    site = small_tmpfs / "site"
    publish_fake_project(site, "other0", "kept")
    publish_fake_project(site, PID, "old")
    before = index_bytes(site)

    with pytest.raises(ExportFailed) as raised, publish.ProjectStaging(site, PID) as stage:
        write_media(stage, "new", video_bytes=b"\0" * (2 * 1024 * 1024))

    message = str(raised.value)
    assert str(site) in message
    assert "No space left on device" in message
    assert index_bytes(site) == before
    assert_previous_export_intact(site)


def test_read_only_destination_fails_with_one_line(small_tmpfs):
    site = small_tmpfs / "site"
    publish_fake_project(site, PID, "old")
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)

    with pytest.raises(ExportFailed) as raised:
        publish_fake_project(site, PID, "new")

    message = str(raised.value)
    assert "Read-only file system" in message
    assert str(site / "data" / "projects") in message
    assert "\n" not in message
    assert published_tag(site, PID) == "old"


# Interrupted exports (separate processes) --------------------------------------------

# Pause points outside the publish step: a signal stops the export before it publishes.
POINTS_BEFORE_PUBLISH = ["writing", "validated"]
# Pause points inside the publish step, where SIGINT and SIGTERM are deferred.
POINTS_IN_PUBLISH = ["locked", "swapped", "preview-replaced", "index-merged"]


def start_paused_helper(site, tmp_path, point, *options):
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    process = start_helper(
        site, PID, "new", "--pause-at", point, "--barrier", str(barrier), *options
    )
    wait_for_pause(process, barrier, point)
    return process, barrier


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("point", POINTS_BEFORE_PUBLISH)
def test_signal_before_publish_keeps_previous_export(dest, tmp_path, point, signum):
    before = index_bytes(dest)
    process, _ = start_paused_helper(dest, tmp_path, point)

    status, errors = stop_helper(process, signum)

    assert status in signal_exit_statuses(signum), errors
    assert index_bytes(dest) == before
    assert_previous_export_intact(dest)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("point", POINTS_IN_PUBLISH)
def test_signal_during_publish_lets_it_finish(dest, tmp_path, point, signum):
    process, barrier = start_paused_helper(dest, tmp_path, point)

    process.send_signal(signum)
    release_pause(barrier, point)
    _, errors = process.communicate(timeout=120)

    assert process.returncode in signal_exit_statuses(signum), errors
    assert published_tag(dest, PID) == "new"
    assert list_preview_tag(dest, PID) == "new"
    assert index_entries(dest)[PID]["name"] == f"{PID} new"
    assert published_tag(dest, "other0") == "kept"
    assert staging_leftovers(dest) == []


# For each pause point: the export that the project folder, the list preview and the
# index entry hold after the helper is killed there.
KILL_OUTCOMES = {
    "writing": ("old", "old", "old"),
    "validated": ("old", "old", "old"),
    "locked": ("old", "old", "old"),
    "swapped": ("new", "old", "old"),
    "preview-replaced": ("new", "new", "old"),
    "index-merged": ("new", "new", "new"),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(KILL_OUTCOMES))
def test_sigkill_leaves_whole_export(dest, tmp_path, point):
    process, _ = start_paused_helper(dest, tmp_path, point)

    status, _ = stop_helper(process, signal.SIGKILL)

    assert status == -signal.SIGKILL
    assert len(staging_leftovers(dest)) == 1
    project_tag, preview_tag, index_tag = KILL_OUTCOMES[point]
    assert published_tag(dest, PID) == project_tag
    assert list_preview_tag(dest, PID) == preview_tag
    assert index_entries(dest)[PID]["name"] == f"{PID} {index_tag}"

    next_export = run_helper(dest, "other1", "next")

    assert next_export.returncode == 0, next_export.stderr
    assert staging_leftovers(dest) == []
    assert published_tag(dest, PID) == project_tag
    assert published_tag(dest, "other0") == "kept"
    assert list(index_entries(dest)) == ["other0", PID, "other1"]


@pytest.mark.slow
def test_sigkill_between_renames_is_repaired_by_next_export(dest, tmp_path):
    process, _ = start_paused_helper(dest, tmp_path, "moved-aside", "--no-exchange")

    stop_helper(process, signal.SIGKILL)

    assert not (dest / f"data/projects/{PID}").exists()
    next_export = run_helper(dest, "other1", "next")
    assert next_export.returncode == 0, next_export.stderr
    assert_previous_export_intact(dest)


@pytest.mark.slow
def test_sigterm_between_renames_lets_publish_finish(dest, tmp_path):
    process, barrier = start_paused_helper(dest, tmp_path, "moved-aside", "--no-exchange")

    process.send_signal(signal.SIGTERM)
    release_pause(barrier, "moved-aside")
    process.communicate(timeout=120)

    assert process.returncode == 128 + signal.SIGTERM
    assert published_tag(dest, PID) == "new"
    assert index_entries(dest)[PID]["name"] == f"{PID} new"
    assert staging_leftovers(dest) == []


@pytest.mark.slow
def test_helper_reports_export_failed_as_one_line(dest):
    (dest / "data/projects-list/index.json").write_text("{broken", encoding="utf-8")

    result = run_helper(dest, PID, "new")

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert str(dest / "data/projects-list/index.json") in result.stderr
    assert published_tag(dest, PID) == "old"
