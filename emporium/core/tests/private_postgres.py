"""A PostgreSQL server of a test's own, to stop and restart without touching the shared one.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user that
Debian's package creates. The server trusts local connections, listens on a free loopback
port and keeps its socket in its own directory; it is stopped (immediately) at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from emporium.core.tests.private_redis import free_port

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def pg_tool(name: str) -> str | None:
    """The server's own tools (initdb, pg_ctl) are not on PATH in Debian's packages."""
    for directory in BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


def can_run_private_postgres() -> bool:
    return all(pg_tool(name) for name in ("initdb", "pg_ctl", "pg_dump", "psql"))


@dataclass
class PrivatePostgres:
    port: int
    data_dir: Path
    run_as: list[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.run_as, str(pg_tool("pg_ctl")), "-D", str(self.data_dir), "-w", "-t", "60", *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def restart(self) -> None:
        """A fast restart: open sessions are cut and their transactions rolled back, as in a crash."""
        self._pg_ctl("restart", "-m", "fast", "-l", str(self.data_dir / "server.log"))

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "immediate")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory(prefix="emporium-pg-") as root:
        data_dir = Path(root) / "data"
        data_dir.mkdir()
        if run_as:
            shutil.chown(root, "postgres")
            shutil.chown(data_dir, "postgres")
        subprocess.run(
            [
                *run_as,
                str(pg_tool("initdb")),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        with (data_dir / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )
        server = PrivatePostgres(port=port, data_dir=data_dir, run_as=run_as)
        server._pg_ctl("start", "-l", str(data_dir / "server.log"))
        try:
            yield server
        finally:
            server.stop()


def copy_database(*, source_url: str, server: PrivatePostgres, name: str) -> str:
    """Schema and rows of ``source_url`` copied into a new database ``name`` on ``server``."""
    with server.connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    dump = subprocess.run(
        [str(pg_tool("pg_dump")), "--no-owner", "--no-privileges", source_url],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(
        [str(pg_tool("psql")), "-q", "-v", "ON_ERROR_STOP=1", server.url(name)],
        input=dump,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return server.url(name)


def wait_for(condition, *, seconds: float = 30, what: str = "the condition") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
