"""Everything a backup must satisfy before one row of it is written.

Three passes, each reading what the one before made sure of: the shape
(envelope, tables, columns, value types), then each row through the input
models, then the rules across rows. Shape problems stop there, because
rules about values cannot be judged on values of the wrong type.
"""

from __future__ import annotations

from typing import Any

from lib.services.backup.problems import InvalidBackup, Problems
from lib.services.backup.relations import check_relations
from lib.services.backup.rows import check_rows
from lib.services.backup.structure import Tables, check_envelope, read_tables


def validate_backup(backup: Any) -> Tables:
    """The backup's rows, decoded and checked; BackupError (InvalidBackup: every problem) otherwise."""
    strict = check_envelope(backup)
    problems = Problems([])
    data = read_tables(backup, strict, problems)
    if not problems:
        check_rows(data, problems)
        check_relations(data, problems)
    if problems:
        raise InvalidBackup(problems.found)
    return data
