"""``python -m lib.demo``: load the demo workspace into the configured database."""

from lib.demo.loader import main

raise SystemExit(main())
