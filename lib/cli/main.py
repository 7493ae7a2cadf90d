"""``python -m lib.cli``: parse the command line, run one command, and turn every refusal into one line."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from lib.cli.common import EXIT_ERROR, EXIT_INVALID, CliError, say
from lib.cli.parser import build_parser
from lib.infra.db import DatabaseUnavailable


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        say(f"error: {exc}", file=sys.stderr)
        return exc.code
    except DatabaseUnavailable as exc:  # which database, what failed, what to check; never the password
        say(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as exc:  # InvalidInput, ImportFileError, BackupError, WorkspaceNotEmpty: messages for people
        say(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:  # `... | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
