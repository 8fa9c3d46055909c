"""Benchmark: full export of the demo edit against a plain render of the same edit.

Both sides run as fresh processes with the same output settings. Runs alternate, so
that a busy machine slows both sides alike, and the ratio uses the fastest run of
each side.
"""

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "benchmark-output"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"benchmark: {' '.join(command)} failed:\n{completed.stderr}")
    return elapsed


def main(runs: int) -> None:
    shutil.rmtree(OUTPUT, ignore_errors=True)
    build = [sys.executable, "scripts/build_demo.py", str(OUTPUT / "edit")]
    blend = subprocess.run(build, cwd=ROOT, capture_output=True, text=True, check=True)
    blend_path = blend.stdout.strip().splitlines()[-1]
    plain_command = [
        sys.executable,
        "scripts/benchmark_plain_render.py",
        blend_path,
        str(OUTPUT / "plain.mp4"),
        "1280",
    ]
    export_command = [
        sys.executable,
        "-m",
        "watchtower_blender_addon",
        "export",
        blend_path,
        "-d",
        str(OUTPUT / "site"),
        "--quiet",
    ]
    plain_times, export_times = [], []
    for run in range(1, runs + 1):
        plain_times.append(timed(plain_command))
        export_times.append(timed(export_command))
        print(f"run {run}: plain render {plain_times[-1]:.2f} s, export {export_times[-1]:.2f} s")
    best_plain, best_export = min(plain_times), min(export_times)
    print(
        f"plain render: {best_plain:.2f} s, export: {best_export:.2f} s "
        f"(fastest of {runs} runs each)"
    )
    print(f"ratio export / plain render: {best_export / best_plain:.3f} (target: at most 1.25)")


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
