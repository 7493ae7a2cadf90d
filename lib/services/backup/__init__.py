"""A complete, versioned backup of the workspace, and its checked restore.

The backup is plain JSON: every row of every table, history and audit trail
included, tagged with a format version and the schema revision it came from.
Restoring checks every row with the app's own rules first (``checks``), then
writes all of it in one transaction, or nothing::

    data = export_workspace(engine); text = dumps(data)
    restore_workspace(engine, loads(text))                                   # into an empty workspace
    restore_workspace(engine, loads(text), replace=True, previous_to=path)  # current one saved to path first
"""

from lib.services.backup.checks import validate_backup
from lib.services.backup.problems import BackupError, BackupProblem, InvalidBackup, WorkspaceNotEmpty
from lib.services.backup.store import dumps, export_workspace, loads, restore_workspace
from lib.services.backup.structure import FORMAT, VERSION

__all__ = [
    "FORMAT",
    "VERSION",
    "BackupError",
    "BackupProblem",
    "InvalidBackup",
    "WorkspaceNotEmpty",
    "dumps",
    "export_workspace",
    "loads",
    "restore_workspace",
    "validate_backup",
]
