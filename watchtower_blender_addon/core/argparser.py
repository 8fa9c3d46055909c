"""Command line options of a Watchtower writer, as in ``watchtower_pipeline.argparser``.

Unlike that module, a destination that does not exist yet is accepted (writers
create it), and :func:`add_arguments` lets another command line, such as the
Blender exporter's, add the same options to its own parser.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NoReturn


@dataclass
class ParsedArgs:
    """Parsed options of a writer's command line."""

    bundle: bool
    project_ids: list[str] = field(default_factory=list)
    destination_path: pathlib.Path = field(default_factory=pathlib.Path.cwd)


class OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser that reports an invalid option in one line, then exits with 2."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message} (run with --help to list the options)", file=sys.stderr)
        raise SystemExit(2)


def destination_folder(value: str) -> pathlib.Path:
    """Accept a folder, or a path where a folder can be created, as the destination."""
    if not value.strip():
        raise argparse.ArgumentTypeError("the destination is empty; give a folder path")
    path = pathlib.Path(value)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value} exists and is not a folder; give a folder path")
    return path


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``-b/--bundle``, ``-p/--projects`` and ``-d/--destination`` to ``parser``."""
    parser.add_argument(
        '-b',
        '--bundle',
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also build a servable site in DESTINATION/watchtower (default: no)",
    )
    parser.add_argument(
        '-p',
        '--projects',
        nargs='*',
        type=str,
        default=[],
        metavar='PROJECT_ID',
        help="ids of the projects to write (default: all)",
    )
    parser.add_argument(
        '-d',
        '--destination',
        type=destination_folder,
        default=None,
        help="folder to write the site data into; created if missing (default: the current folder)",
    )
    return parser


def build_parser(**parser_options) -> argparse.ArgumentParser:
    """Return a new parser with the writer options; keyword arguments go to ArgumentParser."""
    parser_options.setdefault('description', "Generate Watchtower content.")
    return add_arguments(argparse.ArgumentParser(**parser_options))


def parsed_args_from_namespace(namespace: argparse.Namespace) -> ParsedArgs:
    """Return the writer options of a namespace parsed with :func:`add_arguments`."""
    return ParsedArgs(
        bundle=bool(namespace.bundle),
        project_ids=list(namespace.projects or []),
        destination_path=namespace.destination or pathlib.Path.cwd(),
    )


def parse_args(args: Sequence[str] | None) -> ParsedArgs:
    """Parse a writer's command line; exits with status 2 on an invalid option."""
    return parsed_args_from_namespace(build_parser().parse_args(args))
