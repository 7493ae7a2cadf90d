"""``python -m lib.cli``: the command line's entry point."""

from lib.cli.main import main

raise SystemExit(main())
