"""The storage backends' shared base, as ``bria_tailored.storage.base`` (its home is
:mod:`bria_tailored._storage_base`, below the plugin host, which needs ``StorageBackend`` too)."""

from __future__ import annotations

from .. import _storage_base
from .._storage_base import *  # noqa: F403  (every name of its __all__)

__all__: list[str] = []
__all__ += _storage_base.__all__
