"""The importer's single exception type, so callers catch one thing."""

from __future__ import annotations


class ImportFileError(ValueError):
    """A file or mapping the importer cannot work with.

    The message is written for the person who uploaded the file: it names what
    is wrong and what to do, and is safe to show as is (no traceback needed).
    """
