"""``python -m bria_tailored.sandbox``: serve the sandbox in the foreground."""

from .server import main

raise SystemExit(main())
