"""A real deployment, from the outside: ``nahrain serve`` started and stopped as systemd or
docker would."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Generous for a loaded CI machine; measured well under it (see the report printed on failure).
START_SECONDS = 60
STOP_SECONDS = 20


def _environment(folder: Path) -> dict[str, str]:
    """A deployment of its own: an SQLite file and a secret key in ``folder``."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="nahrain.settings",
        DATABASE_URL=f"sqlite:///{folder / 'nahrain.sqlite3'}",
        NAHRAIN_DATA_DIR=str(folder),
    )
    return env


def nahrain(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "nahrain.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database file with the schema, made once and copied by each test."""
    folder = tmp_path_factory.mktemp("migrated")
    nahrain(_environment(folder), "migrate", "--verbosity", "0")
    return folder / "nahrain.sqlite3"


@pytest.fixture
def deployment(migrated: Path, tmp_path: Path) -> dict[str, str]:
    shutil.copy(migrated, tmp_path / "nahrain.sqlite3")
    return _environment(tmp_path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children() -> dict[int, list[int]]:
    """Parent pid to child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces: the fields follow its last ")".
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree = _children()
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str


@pytest.fixture
def server(deployment: dict[str, str]) -> Iterator[Server]:
    """``nahrain serve`` on a free loopback port, answering; killed with its group if a test
    leaves it running."""
    port = _free_port()
    env = {**deployment, "NAHRAIN_BASE_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "nahrain.cli", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url + "/accounts/login/", timeout=5) as answer:  # noqa: S310
                assert answer.status == 200
                break
        except OSError:  # refused before gunicorn listens, timed out while a worker boots
            assert process.poll() is None, "nahrain serve ended before answering"
            assert time.monotonic() < deadline, "nahrain serve did not answer"
            time.sleep(0.2)
    yield Server(process=process, url=url)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_with_gunicorn_and_the_worker_on_sigterm_and_sigint(
    server: Server, signum: int
) -> None:
    children = _descendants(server.process.pid)
    # The task worker, gunicorn's master and at least one of its workers.
    assert len(children) >= 3, children
    sent = time.monotonic()
    os.kill(server.process.pid, signum)
    server.process.wait(timeout=STOP_SECONDS)
    while any(_alive(pid) for pid in children):
        assert time.monotonic() - sent < STOP_SECONDS, [p for p in children if _alive(p)]
        time.sleep(0.05)
    print(f"nahrain serve and its {len(children)} processes gone {time.monotonic() - sent:.2f} s")
    assert server.process.returncode == 0
