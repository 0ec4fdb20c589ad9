"""Which task worker process claimed a job, and whether that process is still alive.

A job records the process that claimed it: its host, pid and start time. A worker has died when

- on the same host: no process has that pid with that start time. Exact, and it needs no write:
  on SQLite an import holds the one write lock for its whole write, so no heartbeat could be
  written meanwhile (SQLite deployments are one machine, where this rule is all there is);
- on another host: it has not been seen for ``SILENT`` (each worker writes its heartbeat every
  ``HEARTBEAT_SECONDS``, through a thread that PostgreSQL lets write while an import runs).

The host is the machine's name with its boot and process namespace: two containers sharing a
hostname (host networking) see different processes, and a pid is only compared in its own.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

HEARTBEAT_SECONDS = 15.0
# Three heartbeats missed: a dead worker's job is failed within a minute of its last one.
SILENT = timedelta(seconds=45)
PROC = Path("/proc")


@dataclass(frozen=True)
class Process:
    host: str
    pid: int
    started: int  # clock ticks since boot (0 where there is no /proc: the pid alone is compared)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _pid_namespace() -> str:
    try:
        return os.readlink(PROC / "self" / "ns" / "pid")
    except OSError:
        return ""


def start_time(pid: int) -> int | None:
    """When the process ``pid`` started, or None if there is none."""
    if not (PROC / "self").exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # someone else's, but alive
        return 0
    stat = _read(PROC / str(pid) / "stat")
    if not stat:
        return None
    # Field 22; counted after the command name, which may hold spaces and brackets itself.
    return int(stat.rsplit(")", 1)[1].split()[19])


_this: dict[int, Process] = {}


def this_process() -> Process:
    """The calling process (computed again in a forked child, whose pid differs)."""
    pid = os.getpid()
    if pid not in _this:
        boot = _read(PROC / "sys" / "kernel" / "random" / "boot_id")[:8]
        host = " ".join(filter(None, (socket.gethostname(), boot, _pid_namespace())))
        _this[pid] = Process(host=host[:200], pid=pid, started=start_time(pid) or 0)
    return _this[pid]


def alive_here(process: Process) -> bool:
    """Whether a process of this host is still running (not another one given its pid since)."""
    return start_time(process.pid) == process.started
