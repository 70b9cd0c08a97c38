"""For tests that run macpu as a real server process: a database of its own, the `macpu` command, a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

MACPU = str(Path(sys.executable).with_name("macpu"))


@contextmanager
def own_database(tmp_path: Path, name: str) -> Iterator[str]:
    """The URL of an empty database for the server: an SQLite file, or a fresh PostgreSQL database `name` beside
    the test database when MACPU_DATABASE_URL is postgres (dropped afterwards)."""
    base = os.environ.get("MACPU_DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        return
    import psycopg

    parsed = urlparse(base)
    server = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def macpu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a `macpu` command to the end, capturing its output."""
    return subprocess.run([MACPU, *args], env=env, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
