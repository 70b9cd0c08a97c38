"""The chain head kept outside the database: a JSON line per export, so a cut tail is found by `audit-verify`."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from macpu.access.models import AuditEvent


def export_head(path: Path, *, now: datetime) -> tuple[int, str]:
    """Append the last row's sequence number and hash to `path`, flushed to disk before returning."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first() or (0, "")
    line = json.dumps({"seq": last[0], "hash": last[1], "exported_at": now.astimezone(UTC).isoformat()})
    with path.open("a", encoding="utf-8") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())
    return last


def read_heads(path: Path) -> list[tuple[int, str]]:
    """Every head exported to `path`. A line that cannot be read is an error, not skipped."""
    heads = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            head = json.loads(line)
            heads.append((int(head["seq"]), str(head["hash"])))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}, line {number}: not a chain head ({error}).") from error
    return [h for h in heads if h[0] > 0]
