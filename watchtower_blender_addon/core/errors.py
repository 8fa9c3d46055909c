"""Typed errors that the command line and the operator turn into one line each."""


class WatchtowerError(Exception):
    """Base class of the errors this package raises on purpose."""

    exit_status = 1


class InputError(WatchtowerError):
    """Bad input: unknown scene, nothing to export, invalid option or id (exit status 2)."""

    exit_status = 2


class Interrupted(WatchtowerError):
    """Ctrl+C or SIGTERM stopped a step after the project was published (exit status 130)."""

    exit_status = 130


class ExportFailed(WatchtowerError):
    """An export step failed for a reason other than bad input (exit status 1)."""

    exit_status = 1
