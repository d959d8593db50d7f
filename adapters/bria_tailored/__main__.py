"""``python -m bria_tailored`` and the ``bria-tailored`` console script."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from ._version import __version__

    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("--version", "-V"):
        print(f"bria-tailored {__version__}")
        return 0
    print(f"bria-tailored {__version__}\nusage: bria-tailored [--version]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
