"""Validation of project ids given by users.

A project id becomes a folder name (``data/projects/<id>``) and a file name
(``previews/<id[:2]>/<id>.png``), so it must be one safe path segment. Project names
are not checked here because they never become paths.
"""

from __future__ import annotations

from .errors import InputError

MAX_PROJECT_ID_LENGTH = 128
# File names are limited to 255 bytes on common filesystems, and ``<id>.png`` must fit.
MAX_PROJECT_ID_BYTES = 240


def validate_project_id(value: object) -> str:
    """Return ``value`` unchanged if it can be used as a project id, else raise InputError.

    Rejected: non-strings, the empty string, ``.`` and ``..``, and ids starting with
    ``.``, because staging folders beside the project folders start with a dot. Also
    rejected: ids containing ``/``, ``\\``, NUL or other control characters, ids longer
    than ``MAX_PROJECT_ID_LENGTH`` characters or ``MAX_PROJECT_ID_BYTES`` bytes in
    UTF-8, and ids that are not valid Unicode (lone surrogates).

    Raises:
        InputError: the message names the id and what is wrong with it.
    """
    if not isinstance(value, str):
        raise InputError(f"Invalid project id {value!r}: expected a string")
    problem = _project_id_problem(value)
    if problem:
        raise InputError(f"Invalid project id {value!r}: {problem}")
    return value


def _project_id_problem(value: str) -> str:
    if not value:
        return "it is empty"
    if len(value) > MAX_PROJECT_ID_LENGTH:
        return f"it has {len(value)} characters, the maximum is {MAX_PROJECT_ID_LENGTH}"
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return "it is not valid Unicode"
    if size > MAX_PROJECT_ID_BYTES:
        return f"it takes {size} bytes in UTF-8, the maximum is {MAX_PROJECT_ID_BYTES}"
    if value.startswith("."):
        return "it must not start with '.'"
    for forbidden in ("/", "\\"):
        if forbidden in value:
            return f"it must not contain {forbidden!r}"
    for character in value:
        if _is_control_character(character):
            return f"it must not contain the control character {character!r}"
    return ""


def _is_control_character(character: str) -> bool:
    # C0 controls (NUL included), DEL and C1 controls: Unicode category Cc.
    code = ord(character)
    return code < 0x20 or 0x7F <= code <= 0x9F
