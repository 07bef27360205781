"""The command shows the library's log records (``cxkit.*`` loggers) on stderr."""

from __future__ import annotations

import logging
import sys

__all__ = ["setup_logging"]


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (tests swap it)."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def setup_logging(level: int = logging.INFO) -> None:
    """Show the ``cxkit`` loggers' records on stderr as plain lines (once per process)."""
    root = logging.getLogger("cxkit")
    if any(getattr(h, "_cxkit_cli", False) for h in root.handlers):
        return
    handler = _Stderr()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._cxkit_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
