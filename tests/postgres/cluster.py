"""A throw-away PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary folder.

The server binaries come from Debian's ``postgresql`` package (``make postgres`` installs it) under
``/usr/lib/postgresql/<version>/bin``. initdb refuses to run as root, so as root the cluster runs as
the unprivileged ``postgres`` system user the package creates (``runuser``), in a folder that user
owns; as any other user it runs as that user. The server listens on 127.0.0.1 on a free port only,
with password (scram-sha-256) authentication, fsync off, and Danish ICU as the default collation
(``da``; plain C.UTF-8 where ICU is missing) so that locale-dependent sorting would show.

Run ``python -m tests.postgres.cluster`` to start one by hand (it prints the URL; Ctrl+C or SIGTERM
stops it and removes its folder).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "hoi"
PASSWORD = "hoi-test-" + uuid.uuid4().hex[:12]
SERVICE_USER = "postgres"


class ClusterUnavailable(RuntimeError):
    """PostgreSQL cannot be run here (binaries missing, no unprivileged user)."""


def server_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` with initdb and pg_ctl (or PG_BIN_DIR)."""
    candidates = [os.environ["PG_BIN_DIR"]] if os.environ.get("PG_BIN_DIR") else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                         reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def free_port() -> int:
    """A localhost TCP port nothing listens on (at the time of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _service_user() -> pwd.struct_passwd | None:
    """The user the server runs as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    created = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                              SERVICE_USER], capture_output=True, text=True)
    if created.returncode != 0:
        raise ClusterUnavailable(f"running as root and no '{SERVICE_USER}' user to run PostgreSQL as "
                                 f"(useradd failed: {created.stderr.strip()})")
    return pwd.getpwnam(SERVICE_USER)


@dataclass
class Cluster:
    """A running throw-away cluster."""

    base: Path
    port: int
    bin_dir: Path
    user: pwd.struct_passwd | None
    collation: str

    @property
    def data(self) -> Path:
        return self.base / "data"

    def url(self, database: str = "postgres", *, password: str = PASSWORD, user: str = SUPERUSER,
            driver: str = "psycopg") -> str:
        """A SQLAlchemy URL of ``database`` on this cluster."""
        return f"postgresql+{driver}://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def _admin(self):  # noqa: ANN202 - psycopg is imported lazily
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, password=PASSWORD,
                               dbname="postgres", autocommit=True, connect_timeout=10)

    def create_database(self, name: str | None = None) -> str:
        """CREATE DATABASE (a fresh random name unless given); returns its name."""
        name = name or "hoi_" + uuid.uuid4().hex[:16]
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """DROP DATABASE, closing any connection still open to it."""
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        _run_as(self.user, [str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate",
                            "-w", "-t", "30"], check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def _run_as(user: pwd.struct_passwd | None, command: list[str], *, check: bool = True,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    if user is not None:
        command = ["runuser", "-u", user.pw_name, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "LC_ALL": "C.UTF-8"}, cwd="/")
    if check and result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-800:]
        raise ClusterUnavailable(f"{' '.join(command)} failed: {output}")
    return result


def _initdb(bin_dir: Path, user: pwd.struct_passwd | None, data: Path, pwfile: Path) -> str:
    common = [str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, f"--pwfile={pwfile}",
              "--auth=scram-sha-256", "--encoding=UTF8", "--no-sync"]
    icu = _run_as(user, [*common, "--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=da"],
                  check=False)
    if icu.returncode == 0:
        return "icu:da"
    shutil.rmtree(data, ignore_errors=True)
    _run_as(user, [*common, "--locale=C.UTF-8"])
    return "C.UTF-8"


def start_cluster() -> Cluster:
    """initdb and start a cluster in a fresh temporary folder; raises :class:`ClusterUnavailable`."""
    bin_dir = server_bin_dir()
    if bin_dir is None:
        raise ClusterUnavailable("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin "
                                 "(`make postgres` installs Debian's postgresql package)")
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise ClusterUnavailable("the psycopg driver is not installed: "
                                 "pip install 'hoi-nlp[postgres]'") from exc
    user = _service_user()
    base = Path(tempfile.mkdtemp(prefix="hoi-pg-"))
    try:
        pwfile = base / "pwfile"
        pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
        if user is not None:
            for path in (base, pwfile):
                os.chown(path, user.pw_uid, user.pw_gid)
        base.chmod(0o700)
        collation = _initdb(bin_dir, user, base / "data", pwfile)
        last_error = ""
        for _ in range(5):
            port = free_port()
            options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base} "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                       "-c max_connections=200")
            started = _run_as(user, [str(bin_dir / "pg_ctl"), "start", "-w", "-t", "60",
                                     "-D", str(base / "data"), "-l", str(base / "server.log"), "-o", options],
                              check=False)
            if started.returncode == 0:
                return Cluster(base=base, port=port, bin_dir=bin_dir, user=user, collation=collation)
            log = base / "server.log"
            last_error = log.read_text(errors="replace")[-800:] if log.exists() else started.stderr
            time.sleep(0.5)
        raise ClusterUnavailable(f"pg_ctl start failed: {last_error.strip()}")
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise


def main() -> None:  # pragma: no cover - manual use
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    cluster = start_cluster()
    try:
        name = cluster.create_database("hoi_manual")
        print(f"HOI_DATABASE_URL={cluster.url(name)}  (collation {cluster.collation}; Ctrl+C stops)",
              flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    finally:
        cluster.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
