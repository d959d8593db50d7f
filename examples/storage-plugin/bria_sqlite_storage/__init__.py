"""bria-sqlite-storage: a bria-tailored storage plugin keeping objects in one SQLite file.

The package's entry point (group ``bria_tailored`` in ``pyproject.toml``) names this module; bria-tailored
imports it on first use of storage and calls its hook implementations: here, the one that offers the
backend class for ``sqlite://`` URIs.
"""

from __future__ import annotations

from bria_tailored.plugins import hookimpl
from bria_tailored.storage import StorageBackend

from .storage import SQLiteStorage

__all__ = ["SQLiteStorage", "bria_tailored_storage_backends"]


@hookimpl
def bria_tailored_storage_backends() -> list[type[StorageBackend]]:
    """The backends of this plugin, each with the URI schemes it handles (``SQLiteStorage.schemes``)."""
    return [SQLiteStorage]
