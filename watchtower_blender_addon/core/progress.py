"""Progress reporting through a callback object whose methods do nothing by default."""


class Progress:
    """Receives progress of an export; subclass it and override what you need."""

    def step(self, message: str) -> None:
        """Start a named step, such as "Rendering edit.mp4"."""

    def update(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` units of the current step."""

    def warning(self, message: str) -> None:
        """Report a problem that does not stop the export."""
