"""Command line of the export, for the file already loaded in Blender.

Used by ``python -m watchtower_blender_addon export``, by
``blender -b EDIT.blend --python scripts/watchtower_export.py -- ...`` and by
``blender --command watchtower-export``. Exit status: 0 success, 2 bad input,
1 any other failure, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import pathlib
import sys
import traceback
from typing import Iterator, Sequence

from ..core import argparser
from ..core.errors import WatchtowerError
from ..core.options import MIN_VIDEO_WIDTH, ExportOptions
from ..core.progress import Progress
from ..core.timeline import SEQUENCE_SOURCES

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
INTERRUPTED_MESSAGE = "error: export interrupted; the previous export is unchanged"


class StderrProgress(Progress):
    """Writes progress lines to stderr: ``watchtower: <step> <done>/<total>``.

    The export operator reads these lines from its background process, so their
    shape is part of the interface.
    """

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.current = ""
        self.reported_percent = -1

    def step(self, message: str) -> None:
        self.current = message
        self.reported_percent = -1
        self._print(f"watchtower: {message}")

    def update(self, done: int, total: int) -> None:
        # One line per 5 percent is enough to follow without flooding a CI log.
        percent = 100 * done // max(total, 1)
        if percent // 5 != self.reported_percent // 5 or done == total:
            self.reported_percent = percent
            self._print(f"watchtower: {self.current} {done}/{total}")

    def warning(self, message: str) -> None:
        print(f"warning: {message}", file=sys.stderr, flush=True)

    def _print(self, line: str) -> None:
        if not self.quiet:
            print(line, file=sys.stderr, flush=True)


def channel_list(value: str) -> list[int]:
    try:
        channels = [int(part) for part in value.split(',') if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid channel list '{value}' (example: 2 or 2,3)"
        ) from None
    if not channels or min(channels) < 1:
        raise argparse.ArgumentTypeError(f"invalid channel list '{value}': channels start at 1")
    return channels


def video_width_pixels(value: str) -> int:
    try:
        width = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid width '{value}': expected pixels, e.g. 1280"
        ) from None
    if width < MIN_VIDEO_WIDTH:
        raise argparse.ArgumentTypeError(
            f"invalid width {width}: at least {MIN_VIDEO_WIDTH} pixels"
        )
    return width


def _describe_projects_option(parser: argparse.ArgumentParser) -> None:
    # Writers that read a tracker choose projects with -p; a scene is one project.
    for action in parser._actions:
        if '--projects' in action.option_strings:
            action.help = "accepted for watchtower_pipeline compatibility; a scene is one project"


def build_parser(prog: str | None = None, blend_file: bool = False) -> argparse.ArgumentParser:
    """Return the export's parser; ``blend_file`` adds the .blend file to open as an argument."""
    parser = argparser.OneLineErrorParser(
        prog=prog, description="Export a Blender edit as a Watchtower site."
    )
    if blend_file:
        parser.add_argument('blend', metavar='EDIT.blend', help=".blend file to export")
    argparser.add_arguments(parser)
    _describe_projects_option(parser)
    parser.add_argument('--scene', help="scene to export (default: the active scene)")
    parser.add_argument('--project-id', help="Watchtower project id (default: from the name)")
    parser.add_argument('--project-name', help="project name (default: the .blend file name)")
    parser.add_argument(
        '--shot-channel',
        type=channel_list,
        default=[],
        metavar='N[,N...]',
        help="channels whose strips are shots (default: the 'Shots' channel, else the "
        "lowest channel with a picture strip)",
    )
    parser.add_argument(
        '--sequence-source',
        choices=SEQUENCE_SOURCES,
        help="where sequences come from (default: auto, the first that applies of a "
        "'Sequences' channel, markers, shot names, one sequence)",
    )
    parser.add_argument(
        '--sequence-pattern',
        metavar='REGEX',
        help="regular expression with a group named 'sequence' that finds a shot's "
        "sequence in its name",
    )
    parser.add_argument('--no-video', action='store_true', help="do not render edit.mp4")
    parser.add_argument('--no-previews', action='store_true', help="do not render thumbnails")
    parser.add_argument(
        '--video-width',
        type=video_width_pixels,
        default=1280,
        metavar='PX',
        help="maximum width of edit.mp4 in pixels (default: 1280)",
    )
    parser.add_argument(
        '--client-dir',
        type=pathlib.Path,
        metavar='DIR',
        help="built Watchtower web client to bundle (default: the installed watchtower-pipeline's)",
    )
    parser.add_argument('--strict', action='store_true', help="treat missing media as an error")
    parser.add_argument('-q', '--quiet', action='store_true', help="print only warnings and errors")
    return parser


def options_from_args(args: argparse.Namespace) -> ExportOptions:
    return ExportOptions(
        destination=args.destination or pathlib.Path.cwd(),
        scene=args.scene,
        project_id=args.project_id,
        project_name=args.project_name,
        shot_channels=args.shot_channel,
        sequence_source=args.sequence_source,
        sequence_pattern=args.sequence_pattern,
        video=not args.no_video,
        previews=not args.no_previews,
        video_width=args.video_width,
        bundle=bool(args.bundle),
        client_dir=args.client_dir,
        strict=args.strict,
    )


@contextlib.contextmanager
def blender_output_silenced() -> Iterator[None]:
    """Send Blender's own per-frame console output (file descriptor 1) to /dev/null."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, 'wb') as devnull:
        os.dup2(devnull.fileno(), 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def show_package_warnings() -> None:
    """Print the package's logged warnings as ``warning: ...`` lines on stderr.

    Only this package's logger gets the handler; the root logger stays as it is.
    """
    package_logger = logging.getLogger(__name__.split('.blender.')[0])
    if any(getattr(h, 'watchtower_cli', False) for h in package_logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    handler.watchtower_cli = True  # type: ignore[attr-defined]
    package_logger.addHandler(handler)


def main(argv: Sequence[str], prog: str | None = None, blend_file: bool = False) -> int:
    """Run an export with the options ``argv``; return the exit status.

    With ``blend_file``, ``argv`` also names the .blend file to open first; without
    it, the export runs on the file already loaded.
    """
    try:
        args = build_parser(prog, blend_file).parse_args(list(argv))
    except SystemExit as exit_request:
        return int(exit_request.code or 0)
    if blend_file:
        from .loading import open_blend_file

        status = open_blend_file(args.blend)
        if status != 0:
            return status
    show_package_warnings()
    progress = StderrProgress(quiet=args.quiet)
    return run_export(options_from_args(args), progress)


def run_export(options: ExportOptions, progress: StderrProgress) -> int:
    from .export import export_scene

    try:
        with blender_output_silenced():
            result = export_scene(options, progress)
    except WatchtowerError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return error.exit_status
    except KeyboardInterrupt:
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as stop:
        # SIGTERM and SIGHUP arrive as SystemExit(128 + signal number).
        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        return int(stop.code) if isinstance(stop.code, int) else EXIT_FAILED
    except Exception as error:  # the command line reports every failure in one line
        log.debug("unexpected failure", exc_info=True)
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        print(f"error: export failed unexpectedly: {detail}", file=sys.stderr, flush=True)
        return EXIT_FAILED
    if not progress.quiet:
        summary = (
            f"Exported project '{result.project_name}' ({result.project_id}): "
            f"{result.shot_count} shots, {result.total_frames} frames, into {result.destination}"
        )
        print(summary, file=sys.stderr)
        if result.bundle is not None:
            print(f"Bundled site: {result.bundle}", file=sys.stderr)
    return EXIT_OK
