"""Validation of project ids given by users."""

import pytest

from watchtower_blender_addon.core.errors import InputError
from watchtower_blender_addon.core.ids import (
    MAX_PROJECT_ID_BYTES,
    MAX_PROJECT_ID_LENGTH,
    validate_project_id,
)


@pytest.mark.parametrize(
    "project_id",
    [
        "a52cfbb8-bdc8-4df5-94c8-e89695a53d80",
        "x",
        "Sprite Fright",
        "épisode_01",
        "a.b",
        "trailing.",
        "x" * MAX_PROJECT_ID_LENGTH,
    ],
)
def test_valid_project_id_is_returned_unchanged(project_id):
    assert validate_project_id(project_id) == project_id


@pytest.mark.parametrize(
    ("project_id", "reason"),
    [
        ("", "empty"),
        (".", "start with '.'"),
        ("..", "start with '.'"),
        (".staging-abc", "start with '.'"),
        ("a/b", "'/'"),
        ("/abs", "'/'"),
        ("a\\b", "'\\\\'"),
        ("a\x00b", "control character"),
        ("a\nb", "control character"),
        ("a\tb", "control character"),
        ("a\x7fb", "control character"),
        ("a\x85b", "control character"),
        ("x" * (MAX_PROJECT_ID_LENGTH + 1), "maximum is 128"),
        ("\udc80", "not valid Unicode"),
    ],
)
def test_invalid_project_id_raises_input_error(project_id, reason):
    with pytest.raises(InputError) as raised:
        validate_project_id(project_id)
    message = str(raised.value)
    assert message.startswith(f"Invalid project id {project_id!r}")
    assert reason in message


def test_project_id_too_many_utf8_bytes_is_rejected():
    project_id = "é" * (MAX_PROJECT_ID_BYTES // 2 + 1)
    assert len(project_id) <= MAX_PROJECT_ID_LENGTH

    with pytest.raises(InputError, match="bytes in UTF-8"):
        validate_project_id(project_id)


@pytest.mark.parametrize("value", [None, 42, b"abc"])
def test_non_string_project_id_is_rejected(value):
    with pytest.raises(InputError, match="expected a string"):
        validate_project_id(value)


def test_project_id_error_exits_with_status_2():
    with pytest.raises(InputError) as raised:
        validate_project_id("")
    assert raised.value.exit_status == 2
