"""The storage conformance kit: does a storage backend keep the ``StorageBackend`` contract?

Two lines in a test module run it under pytest, against a URI or a backend of your own::

    from bria_tailored.testing import StorageConformance

    class TestMyStorage(StorageConformance):
        storage_uri = "mem://conformance"          # or override the ``storage`` fixture

Without pytest, ``bria-tailored plugins check URI`` (or :func:`run_checks`) runs the same checks against a
live storage and reports each one. The properties checked, one per entry of :data:`CHECKS`:
put/open_read/exists/delete/list; listing under a prefix; streaming a large object (64 MiB) in constant
memory; sha256 and size in ``StoredObject``; content types; overwrite; atomic writes (no partial object
after a failed put); concurrent puts to distinct keys; keys with unicode and spaces; traversal, absolute
and empty keys rejected with ``StorageError``; ``public_url`` fetched with a plain httpx GET and compared
byte for byte (or ``NotPubliclyAddressableError``); deleting a missing key; the error types. A failing
check raises :class:`ConformanceFailure`, whose message starts with the property that broke. Every object
the kit writes lives under ``bria-conformance-<random>/`` and is deleted afterwards, even on failure.

``StorageConformance`` needs pytest, imported only when that name is used; the rest does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .checks import CHECKS, Check, check_by_name
from .runner import CheckResult, ConformanceCleanupWarning, run_check, run_checks
from .workspace import ConformanceFailure, KitOptions, Workspace

if TYPE_CHECKING:
    from .suite import StorageConformance

__all__ = [
    "CHECKS",
    "Check",
    "CheckResult",
    "ConformanceCleanupWarning",
    "ConformanceFailure",
    "KitOptions",
    "StorageConformance",
    "Workspace",
    "check_by_name",
    "run_check",
    "run_checks",
]


def __getattr__(name: str) -> Any:
    if name == "StorageConformance":  # the pytest part: pytest is needed only for it
        from .suite import StorageConformance

        return StorageConformance
    raise AttributeError(f"module 'bria_tailored.testing' has no attribute {name!r}")
