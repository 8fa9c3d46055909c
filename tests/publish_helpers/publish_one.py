"""Publish one fake project into a destination; run as a separate process by the tests.

Usage: publish_one.py DEST PROJECT_ID TAG [options]

--pause-at POINT   stop at POINT ("writing" halfway through the staged files, or a
                   commit checkpoint name) until the file BARRIER/POINT.release exists.
                   The helper creates BARRIER/POINT.reached when it gets there.
--barrier DIR      folder of the pause files
--start-file PATH  wait until PATH exists before starting, so that several helpers
                   start together
--merge-delay S    sleep S seconds between reading and writing the index, which makes
                   lost updates likely if the destination lock does not work
--no-exchange      use the rename-aside swap instead of an atomic exchange

Exit status: 0 published, 1 ExportFailed (one line on stderr), 128 + n on signal n.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from fake_site import (
    TOTAL_FRAMES,
    count_fake_frames,
    list_item,
    write_documents,
    write_media,
)

from watchtower_blender_addon.core import fileops, publish, writers
from watchtower_blender_addon.core.errors import WatchtowerError
from watchtower_blender_addon.core.jsonio import write_json


def parse_arguments(arguments: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("dest", type=Path)
    parser.add_argument("project_id")
    parser.add_argument("tag")
    parser.add_argument("--pause-at", default="")
    parser.add_argument("--barrier", type=Path)
    parser.add_argument("--start-file", type=Path)
    parser.add_argument("--merge-delay", type=float, default=0.0)
    parser.add_argument("--no-exchange", action="store_true")
    return parser.parse_args(arguments)


def make_pause(point: str, barrier: Path | None):
    def pause_at(name: str) -> None:
        if name != point or barrier is None:
            return
        (barrier / f"{name}.reached").touch()
        while not (barrier / f"{name}.release").exists():
            time.sleep(0.01)

    return pause_at


def make_slow_merge(delay: float):
    def merge(index_path: Path, items) -> None:
        existing = writers.read_project_list(index_path)
        time.sleep(delay)
        write_json(index_path, {"projects": writers.merge_project_entries(existing, items)})

    return merge


def wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.005)


def publish_fake(arguments: argparse.Namespace) -> None:
    pause_at = make_pause(arguments.pause_at, arguments.barrier)
    options = {"checkpoint": pause_at}
    if arguments.merge_delay:
        options["merge_project_list"] = make_slow_merge(arguments.merge_delay)
    with publish.ProjectStaging(arguments.dest, arguments.project_id, **options) as stage:
        write_media(stage, arguments.tag)
        pause_at("writing")
        write_documents(stage, arguments.tag)
        stage.commit(
            list_item(arguments.project_id, arguments.tag),
            expected_total_frames=TOTAL_FRAMES,
            count_video_frames=count_fake_frames,
        )


def main(arguments: list[str]) -> int:
    parsed = parse_arguments(arguments)
    if parsed.no_exchange:
        fileops.exchange_paths = lambda first, second: False
        publish.exchange_paths = fileops.exchange_paths
    if parsed.start_file:
        wait_for(parsed.start_file)
    try:
        with publish.termination_as_exception():
            publish_fake(parsed)
    except WatchtowerError as error:
        print(error, file=sys.stderr)
        return error.exit_status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
