"""Registration of the add-on: properties, operators, panels, menu entry and command."""

from __future__ import annotations

from types import ModuleType


def _modules() -> list[ModuleType]:
    from . import cli_command, ops, props, ui

    # Properties first: operators and panels refer to them.
    return [props, ops, ui, cli_command]


def register() -> None:
    for module in _modules():
        module.register()


def unregister() -> None:
    for module in reversed(_modules()):
        module.unregister()
