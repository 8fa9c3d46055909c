"""Frame rate, picture size and aspect ratio arithmetic for the exported project."""

from __future__ import annotations

from fractions import Fraction

# Blender stores fps_base as a 32-bit float, so 1.001 reads back as 1.0010000467. Snapping
# it to the nearest fraction with a small denominator recovers 1001/1000 exactly.
_MAX_FPS_BASE_DENOMINATOR = 1001


def exact_fps(fps: int, fps_base: float) -> Fraction:
    """Return the scene frame rate as an exact fraction (24000/1001 for NTSC film)."""
    base = Fraction(fps_base).limit_denominator(_MAX_FPS_BASE_DENOMINATOR)
    return Fraction(fps) / base


def ratio_label(width: int, height: int, pixel_aspect_x: float, pixel_aspect_y: float) -> str:
    """Return the display aspect ratio as the client shows it, for example "2.39:1"."""
    aspect = (width * pixel_aspect_x) / (height * pixel_aspect_y)
    return f"{aspect:.2f}:1"


def video_scale_percentage(width: int, height: int, max_width: int) -> int:
    """Return the largest render percentage giving at most ``max_width`` and even sides.

    Blender's output size is ``side * percentage // 100``; H.264 in yuv420p needs even
    sides. Falls back to the largest percentage within the width when no percentage
    gives even sides, which only happens for pictures a few pixels wide.
    """
    best_within_width = 1
    for percentage in range(100, 0, -1):
        out_width = width * percentage // 100
        out_height = height * percentage // 100
        if out_width > max_width or out_width < 2 or out_height < 2:
            continue
        best_within_width = max(best_within_width, percentage)
        if out_width % 2 == 0 and out_height % 2 == 0:
            return percentage
    return best_within_width


def fit_inside(width: int, height: int, box_width: int, box_height: int) -> tuple[int, int]:
    """Return the size of a ``width`` x ``height`` picture scaled to fit the box, at least 1x1."""
    scale = min(box_width / width, box_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))
