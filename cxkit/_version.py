"""The installed cxkit version (one place; the report and the CLI read it from here)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cxkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
