"""Paths stored in an export's JSON, for the checks that they resolve."""

from __future__ import annotations


def stored_paths(value) -> list[str]:
    """Return every thumbnailUrl and sourceName string in a parsed JSON document."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if key in {'thumbnailUrl', 'sourceName'} and isinstance(item, str):
                found.append(item)
            else:
                found += stored_paths(item)
        return found
    if isinstance(value, list):
        return [path for item in value for path in stored_paths(item)]
    return []
