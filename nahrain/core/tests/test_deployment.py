"""A real deployment, from the outside: the README's commands on an empty database, and
``nahrain serve`` started and stopped as systemd or docker would."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from base64 import b32decode
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django_otp.oath import totp

from nahrain.displacement.tests.permissions import master_list_csv

# Generous for a loaded CI machine: serve answered in about 8 s and stopped in about 3 s here.
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


def nahrain(
    env: dict[str, str], *args: str, ok: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "nahrain.cli", *args],
        env=env,
        cwd=cwd,
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
    """``nahrain serve`` on a free loopback port, answering; killed with every process of its
    session if a test leaves any running."""
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
    # Whatever a failing test left: the server's session holds all its processes, orphans too.
    with contextlib.suppress(ProcessLookupError):
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


class Browser:
    """A person's browser: cookies, and the CSRF token of the last form it was shown."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.page = ""
        self.url = ""

    def get(self, url: str) -> str:
        with self.opener.open(urllib.parse.urljoin(self.base, url), timeout=30) as answer:
            self.url = answer.geturl()
            self.page = answer.read().decode()
        return self.page

    def submit(self, fields: dict[str, str], url: str | None = None) -> str:
        """Post a form of the page shown (to ``url``, or back to the page)."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.page)
        assert token is not None, self.page
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token[1], **fields}).encode()
        target = urllib.parse.urljoin(self.url, url) if url else self.url
        request = urllib.request.Request(  # noqa: S310 (the loopback server)
            target, data=body, headers={"Referer": self.url}
        )
        with self.opener.open(request, timeout=30) as answer:
            self.url = answer.geturl()
            self.page = answer.read().decode()
        return self.page


def _readme_commands() -> tuple[list[list[str]], list[str]]:
    """The ``nahrain`` commands of the README's "Setting up a real deployment": the first
    block's, and the master-list import of the second (without the leading ``nahrain``)."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Setting up a real deployment", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    commands = [
        [shlex.split(line, comments=True)[1:] for line in block.splitlines()] for block in blocks
    ]
    assert len(commands) == 2 and len(commands[1]) == 1, blocks
    return commands[0], commands[1][0]


def _link(output: str) -> str:
    found = re.search(r"https?://\S+", output)
    assert found is not None, output
    return found[0]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_the_readme_sets_up_a_deployment_from_an_empty_database(
    deployment: dict[str, str], server: Server, tmp_path: Path
) -> None:
    env = {**deployment, "NAHRAIN_BASE_URL": server.url}
    (tmp_path / "master-list.csv").write_bytes(master_list_csv())
    setup, importing = _readme_commands()
    assert importing[:2] == ["dtm", "--organisation"], importing
    refused = nahrain(env, *importing, ok=False, cwd=tmp_path)
    assert "no organisation 'IOM': create it with nahrain org create" in refused.stderr

    # The README's "Setting up a real deployment", in order; the server is already running.
    links = {}
    for command in setup:
        if command[0] == "serve":
            continue
        printed = nahrain(env, *command, cwd=tmp_path).stdout
        if command[:2] == ["user", "invite"]:
            links[command[2]] = _link(printed)
        if command[:2] == ["org", "list"]:
            assert "IOM" in printed
    admin_link, im_link = links["rana.admin"], links["layla.im"]

    # The information manager opens her link, chooses a password and is signed in.
    layla = Browser(server.url)
    layla.get(im_link)
    too_short = layla.submit({"new_password1": "short", "new_password2": "short"})
    assert "This password is too short" in too_short
    password = "river Tigris at dawn 2024"
    home = layla.submit({"new_password1": password, "new_password2": password})
    assert layla.url == server.url + "/"
    assert "Welcome, layla.im" in home
    # The link was spent.
    with pytest.raises(urllib.error.HTTPError) as spent:
        Browser(server.url).get(im_link)
    assert spent.value.code == 404
    # She signs in again with the password she chose.
    again = Browser(server.url)
    again.get("/accounts/login/")
    assert "Welcome, layla.im" in again.submit({"username": "layla.im", "password": password})

    # The organisation admin is then taken to set up an authenticator app.
    rana = Browser(server.url)
    rana.get(admin_link)
    enrol = rana.submit({"new_password1": password + "!", "new_password2": password + "!"})
    assert "/accounts/2fa/enrol/" in rana.url
    secret = re.search(r'<code dir="ltr">([A-Z2-7]+)</code>', enrol)
    assert secret is not None, enrol
    code = str(totp(b32decode(secret[1]))).zfill(6)
    codes = rana.submit({"code": code})
    assert "Recovery codes" in codes
    # Signed in with both factors, she sees who is in her organisation.
    home = rana.get("/")
    members_url = re.search(r'href="(/organisations/[0-9a-f-]+/members/)"', home)
    assert members_url is not None, home
    members = rana.get(members_url[1])
    assert "layla.im" in members and "Information manager" in members

    imported = nahrain(env, *importing, cwd=tmp_path)
    assert "1 locations (1 new)" in imported.stdout, imported.stdout
