"""``python -m bria_tailored`` and the ``bria-tailored`` console script.

The command line lives in :mod:`bria_tailored.cli` and needs the ``cli`` extra (typer, rich, pillow);
without it, ``--version`` still works and anything else says what to install.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

INSTALL_HINT = "the bria-tailored command line needs its extra: pip install 'bria-tailored[cli]'"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``bria-tailored`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        import rich
        import typer
    except ImportError as exc:
        from ._version import __version__

        if args and args[0] in ("--version", "-V"):
            print(f"bria-tailored {__version__}")
            return 0
        print(f"error: {INSTALL_HINT} ({exc})", file=sys.stderr)
        return 1
    del rich, typer  # only probed: the command line imports what it uses
    from .cli import run

    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
