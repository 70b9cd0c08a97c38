"""An export file is written whole or not at all: the commands write beside it, then rename it into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.core.management.base import CommandError
from django.utils import timezone

from macpu.access import audit


@contextmanager
def whole_file(output: Path, what: str) -> Iterator[IO[bytes]]:
    """A temporary file in ``output``'s directory, renamed to ``output`` when the block succeeds. On any failure
    it is removed (a file already at ``output`` is kept) and the command says ``what`` was not written, and why."""
    directory = output.parent if str(output.parent) else Path()
    if not directory.is_dir():
        raise CommandError(f"--output: the directory {str(directory)!r} does not exist.")
    if output.is_dir():
        raise CommandError(f"--output: {str(output)!r} is a directory; give a file name.")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=directory)
    except OSError as error:
        raise CommandError(f"--output: cannot create a file in {str(directory)!r}: {error.strerror}.") from error
    try:
        with os.fdopen(handle, "wb") as file, audit.collecting(source="command line", what=what) as noted:
            yield file
        audit.record_noted(noted, user=None, reason=f"{what} written to {output}", now=timezone.now())
        os.replace(temporary, output)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, Exception) and not isinstance(error, CommandError):
            raise CommandError(f"{what} was not written to {output}, and no file was left: {error}") from error
        raise
