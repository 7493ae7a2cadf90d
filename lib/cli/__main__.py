"""``python -m lib.cli``: the command line's entry point."""

from lib.cli.commands import main

raise SystemExit(main())
