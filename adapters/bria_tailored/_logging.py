"""``BRIA_LOG``: the opt-in stderr logging of the ``bria_tailored`` loggers, with every record redacted.

:func:`configure_logging_from_env` is called by ``make_config`` (every client) and by the plugin manager
(hook tracing without a client); it acts once per process.
"""

from __future__ import annotations

import logging
import os

from . import errors

logger = logging.getLogger("bria_tailored")

_logging_configured = False


def configure_logging_from_env() -> None:
    """``BRIA_LOG=debug|info`` turns on the ``bria_tailored`` loggers (once per process).

    Each record is printed once: by the app's own handlers when it configured logging (records propagate
    to them as usual), else by a stderr handler of ours. Every record is redacted on the way (no token).
    """
    global _logging_configured
    level = os.environ.get("BRIA_LOG", "").strip().upper()
    if _logging_configured or level not in ("DEBUG", "INFO", "WARNING"):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(_UnlessAppHandles())
    handler.addFilter(_RedactFilter())
    logger.addHandler(handler)
    logger.addFilter(_RedactFilter())
    for name in ("bria_tailored.transport", "bria_tailored.plugins"):
        logging.getLogger(name).addFilter(_RedactFilter())
    logger.setLevel(level)
    _logging_configured = True


class _RedactFilter(logging.Filter):
    """Scrub secrets out of every record before any handler (ours or the app's) sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = errors.redact(record.getMessage())
        record.args = ()
        return True


class _UnlessAppHandles(logging.Filter):
    """Let our stderr handler print a record only when no handler of the app would (no double lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current: logging.Logger | None = logger.parent if logger.propagate else None
        while current is not None:
            if current.handlers:
                return False
            current = current.parent if current.propagate else None
        return True
