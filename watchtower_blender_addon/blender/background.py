"""Run an export in a child process, so that Blender's window stays responsive.

Imported, this module starts and watches the child (:class:`ExportJob`). Run as a
script, it is the child: it opens the .blend file and calls the command line's
``main``, with the add-on not registered, exactly like a headless export::

    blender -b --factory-startup --python background.py -- EDIT.blend -d DEST [options]
    python background.py -- EDIT.blend -d DEST [options]     # with the bpy module
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO, Any

# Progress lines of the command line: "watchtower: <step>" or "watchtower: <step> 12/48".
_PROGRESS_LINE = re.compile(r'^watchtower: (?P<step>.*?)(?: (?P<done>\d+)/(?P<total>\d+))?$')
# Seconds the child gets to clean up after Ctrl+C before it is terminated, then killed.
CANCEL_GRACE_SECONDS = 10.0


@dataclass
class ProgressLine:
    """One progress line of the child, parsed."""

    step: str
    done: int | None = None
    total: int | None = None

    @property
    def text(self) -> str:
        if self.done is None or self.total is None:
            return self.step
        return f'{self.step} {self.done}/{self.total}'


def parse_progress(line: str) -> ProgressLine | None:
    """Return the parsed progress line, or None for any other line."""
    match = _PROGRESS_LINE.match(line.rstrip('\r\n'))
    if match is None:
        return None
    done, total = match.group('done'), match.group('total')
    if done is None or total is None:
        return ProgressLine(match.group('step'))
    return ProgressLine(match.group('step'), int(done), int(total))


def child_command(blend_path: str, cli_args: list[str]) -> list[str]:
    """Return the command that exports ``blend_path`` in a new process.

    Inside a Blender binary that is the binary itself without user add-ons; inside
    the ``bpy`` module (no binary) it is the current Python interpreter.
    """
    import bpy

    script = os.path.abspath(__file__)
    if bpy.app.binary_path:
        prefix = [bpy.app.binary_path, '-b', '--factory-startup', '--python', script]
    else:
        prefix = [sys.executable, script]
    return [*prefix, '--', blend_path, *cli_args]


class ExportJob:
    """A running export child process whose stderr lines are collected by a thread."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.lines: list[str] = []
        self.progress: ProgressLine | None = None
        self.cancelled = False
        self._cancel_started: float | None = None
        self._end_of_output = False
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors='replace',
        )
        stream = self._process.stderr
        assert stream is not None
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip('\r\n'))
        self._queue.put(None)

    def poll(self) -> bool:
        """Collect new output; return True once all output is read and the child has exited."""
        while not self._end_of_output:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is None:
                self._end_of_output = True
            else:
                self._add_line(line)
        self._escalate_cancel()
        return self._end_of_output and self._process.poll() is not None

    def _add_line(self, line: str) -> None:
        self.lines.append(line)
        progress = parse_progress(line)
        if progress is not None:
            self.progress = progress

    def wait(self) -> int:
        """Block until the child exits; return its exit status."""
        while not self.poll():
            time.sleep(0.05)
        return self.returncode

    @property
    def returncode(self) -> int:
        code = self._process.returncode
        return -1 if code is None else int(code)

    def cancel(self) -> None:
        """Ask the child to stop: Ctrl+C first, so it can remove its staging files."""
        if self._process.poll() is not None or self.cancelled:
            return
        self.cancelled = True
        self._cancel_started = time.monotonic()
        if os.name == 'nt':
            self._process.terminate()
        else:
            self._process.send_signal(signal.SIGINT)

    def _escalate_cancel(self) -> None:
        if self._cancel_started is None or self._process.poll() is not None:
            return
        waited = time.monotonic() - self._cancel_started
        if waited > 2 * CANCEL_GRACE_SECONDS:
            self._process.kill()
        elif waited > CANCEL_GRACE_SECONDS:
            self._process.terminate()

    def error_message(self) -> str:
        """Return the child's last error line, or a line naming its exit status."""
        for line in reversed(self.lines):
            if line.startswith('error: '):
                return line[len('error: ') :]
        return f"the export process ended with exit status {self.returncode}"

    def summary(self) -> str:
        """Return the child's last line that is not a progress line or a warning."""
        for line in reversed(self.lines):
            if line and parse_progress(line) is None and not line.startswith('warning: '):
                return line
        return "Export finished"

    def warnings(self) -> list[str]:
        return [line[len('warning: ') :] for line in self.lines if line.startswith('warning: ')]


# Child process -----------------------------------------------------------------------------


def _load_package() -> Any:
    """Import the package this file belongs to, under a private name, and return it.

    The add-on may be installed as an extension under another top-level name, and
    the child must not depend on that name or on the add-on being registered.
    """
    import importlib.util
    from pathlib import Path

    package_dir = Path(__file__).resolve().parents[1]
    name = '_watchtower_export_child'
    spec = importlib.util.spec_from_file_location(
        name, package_dir / '__init__.py', submodule_search_locations=[str(package_dir)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return package


def child_main(argv: list[str]) -> int:
    """Open the .blend file named first in ``argv``, then export it with the other options."""
    if not argv:
        print("error: missing the .blend file to export", file=sys.stderr)
        return 2
    package = _load_package()
    import importlib

    loading = importlib.import_module(f'{package.__name__}.blender.loading')
    cli = importlib.import_module(f'{package.__name__}.blender.cli')
    status = loading.open_blend_file(argv[0])
    if status != 0:
        return int(status)
    return int(cli.main(argv[1:], prog='watchtower-export'))


def _arguments_after_separator(argv: list[str]) -> list[str]:
    return argv[argv.index('--') + 1 :] if '--' in argv else argv[1:]


if __name__ == '__main__':
    sys.stdout.flush()
    sys.exit(child_main(_arguments_after_separator(sys.argv)))
