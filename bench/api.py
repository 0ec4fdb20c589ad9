"""API under load and the overview page's server time, on a database holding a history.

    python bench/api.py --database-url sqlite:////tmp/x.sqlite3 --data-dir /tmp/x-data
                        [--seconds 10] [--connections 8] [--output bench/results/API.json]

Method. The database must already hold a published history (``nahrain demo generate --scale
national`` writes one). This process:

1. makes an API token for the demo information manager (``layla.im``) and picks the latest
   and the previous published rounds;
2. times the overview page (the URL named ``displacement:overview``) through Django's test
   client, in this process, signed in as the same user: p50 and p95 of ``--page-repeat``
   requests after two warm-ups; "not present" when the name does not resolve;
3. starts gunicorn (2 workers x 4 threads, as ``nahrain serve``) on 127.0.0.1 and a free port,
   and for each read endpoint runs ``wrk`` (a separate process, bounded by ``--seconds``, on
   loopback only) with the token, reading requests per second and p50/p95/max latency from
   wrk's own histogram (a small Lua ``done`` hook prints them), after one request that must
   answer 200; non-2xx answers are counted and make the run fail;
4. records gunicorn's peak resident memory (sum over its processes, sampled each second).

Results go to the JSON file under the database's vendor (other entries kept) and a Markdown
table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "API.json"
OVERVIEW_URL_NAME = "displacement:overview"
OVERVIEW_TARGET_MS = 150.0
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("NAHRAIN %d %d %d %d %.1f %.1f %.1f\\n", summary.requests,
    summary.duration, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, latency:percentile(50),
    latency:percentile(95), latency.max))
end
"""


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--page-repeat", type=int, default=30)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def setup(environment: dict[str, str], page_repeat: int) -> dict[str, Any]:
    """Token, rounds and the overview page timing, in this process."""
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from nahrain.core import services as core_services
    from nahrain.displacement.models import AssessmentRound, RoundStatus

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = User.objects.get(username="layla.im")
    _, secret = core_services.api_token_create(
        user=user, name=f"bench {time.time():.0f}", with_second_factor=False
    )
    published = AssessmentRound.objects.filter(status=RoundStatus.PUBLISHED).order_by(
        "-reference_date"
    )
    latest, previous = published[0], published[1]
    page: dict[str, Any] = {"url_name": OVERVIEW_URL_NAME}
    try:
        url = reverse(OVERVIEW_URL_NAME)
    except NoReverseMatch:
        page["present"] = False
    else:
        client = Client()
        client.force_login(user)
        samples = []
        for index in range(2 + page_repeat):
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
            if response.status_code != 200:
                raise AssertionError(f"{url}: HTTP {response.status_code}")
            if index >= 2:
                samples.append(elapsed * 1000)
        page.update(
            present=True,
            url=url,
            p50_ms=statistics.median(samples),
            p95_ms=percentile(samples, 0.95),
            target_ms=OVERVIEW_TARGET_MS,
        )
    from django.db import connection

    return {
        "secret": secret,
        "latest": str(latest.uid),
        "previous": str(previous.uid),
        "latest_number": latest.number,
        "rounds": published.count(),
        "page": page,
        "vendor": connection.vendor,
    }


def endpoints(latest: str, previous: str) -> list[tuple[str, str]]:
    base = "/api/v1/dtm"
    return [
        ("rounds", f"{base}/rounds"),
        ("round", f"{base}/rounds/{latest}"),
        ("totals", f"{base}/rounds/{latest}/totals"),
        ("figures level 1", f"{base}/rounds/{latest}/figures?level=1"),
        (
            "figures level 2 shelter_group",
            f"{base}/rounds/{latest}/figures?level=2&dimension=shelter_group",
        ),
        ("figures level 1 origin", f"{base}/rounds/{latest}/figures?level=1&dimension=origin"),
        ("flows", f"{base}/rounds/{latest}/flows"),
        ("locations (100)", f"{base}/rounds/{latest}/locations?limit=100"),
        ("compare", f"{base}/rounds/{latest}/compare/{previous}"),
        ("series", f"{base}/series"),
    ]


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def children(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            text = (task / "children").read_text()
        except FileNotFoundError:
            continue
        for child in text.split():
            found.extend(children(int(child)))
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (see docs/PERFORMANCE.md)")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="nahrain-api-"))
    environment = {
        "DJANGO_SETTINGS_MODULE": "nahrain.settings",
        "DATABASE_URL": args.database_url,
        "NAHRAIN_DATA_DIR": str(data_dir),
        "DATABASE_CONN_MAX_AGE": "60",
    }
    prepared = setup(environment, args.page_repeat)
    result: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": prepared["vendor"],
        "rounds": prepared["rounds"],
        "latest_round": prepared["latest_number"],
        "seconds": args.seconds,
        "connections": args.connections,
        "overview_page": prepared["page"],
        "endpoints": [],
    }
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "nahrain.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        env={**os.environ, **environment},
        cwd=ROOT,
    )
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(children(server.pid)))
            stop.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        deadline = time.time() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.3)
        sampler.start()
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        for name, path in endpoints(prepared["latest"], prepared["previous"]):
            # One request first: it must succeed, and the workers load lazily.
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={"Authorization": f"Bearer {prepared['secret']}"},
            )
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (loopback)
                if answer.status != 200:
                    raise AssertionError(f"{name}: HTTP {answer.status}")
            done = subprocess.run(
                [
                    wrk,
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.seconds}s",
                    "--timeout",
                    "10s",
                    "-s",
                    script.name,
                    "-H",
                    f"Authorization: Bearer {prepared['secret']}",
                    f"http://127.0.0.1:{port}{path}",
                ],
                capture_output=True,
                text=True,
                timeout=args.seconds + 30,
                check=True,
            )
            match = re.search(
                r"^NAHRAIN (\d+) (\d+) (\d+) (\d+) (\S+) (\S+) (\S+)$", done.stdout, re.M
            )
            if match is None:
                raise AssertionError(f"{name}: no result from wrk:\n{done.stdout}{done.stderr}")
            requests, duration_us, non_2xx, socket_errors = (int(g) for g in match.groups()[:4])
            p50, p95, top = (float(g) / 1000 for g in match.groups()[4:])
            if non_2xx or socket_errors:
                raise AssertionError(f"{name}: {non_2xx} non-2xx answers, {socket_errors} errors")
            entry = {
                "name": name,
                "path": path.split("?")[0]
                .replace(prepared["latest"], "{uid}")
                .replace(prepared["previous"], "{other}")
                + ("?" + path.split("?")[1] if "?" in path else ""),
                "requests": requests,
                "requests_per_s": requests / (duration_us / 1e6),
                "p50_ms": p50,
                "p95_ms": p95,
                "max_ms": top,
            }
            result["endpoints"].append(entry)
            print(
                f"{name}: {entry['requests_per_s']:.0f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms",
                flush=True,
            )
        os.unlink(script.name)
    finally:
        stop.set()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    result["gunicorn_peak_rss_mb"] = peak[0]
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = []
    for vendor, entry in sorted(results.items()):
        page = entry["overview_page"]
        if page.get("present"):
            verdict = "met" if page["p95_ms"] <= OVERVIEW_TARGET_MS else "**missed**"
            page_text = (
                f"overview page ({page['url']}): p50 {page['p50_ms']:.1f} ms, "
                f"p95 {page['p95_ms']:.1f} ms (target ≤ {OVERVIEW_TARGET_MS:.0f}: {verdict})"
            )
        else:
            page_text = f"overview page: not present (no URL named {page['url_name']})"
        lines += [
            f"{vendor}: {entry['rounds']} published rounds, {entry['connections']} connections, "
            f"{entry['seconds']} s an endpoint, gunicorn 2 workers x 4 threads, peak RSS "
            f"{entry['gunicorn_peak_rss_mb']:.0f} MB; {page_text}",
            "",
            "| endpoint | req/s | p50 ms | p95 ms | max ms |",
            "| --- | --: | --: | --: | --: |",
        ]
        for e in entry["endpoints"]:
            lines.append(
                f"| {e['name']} (`{e['path']}`) | {e['requests_per_s']:.0f} | "
                f"{e['p50_ms']:.1f} | {e['p95_ms']:.1f} | {e['max_ms']:.0f} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if not args.database_url:
        raise SystemExit("give --database-url (or DATABASE_URL) of a database holding a history")
    entry = run(args)
    results: dict[str, Any] = {}
    if args.output.exists():
        results = json.loads(args.output.read_text(encoding="utf-8"))
    results[entry["database"]] = entry
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(markdown({entry["database"]: entry}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
