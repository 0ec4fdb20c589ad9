"""Every benchmark, one command: imports and figures, the national demo history, the API.

    python bench/suite.py [--database sqlite|postgres|both] [--seconds 10] [--quick]

For each database, in order, each step in its own process:

1. ``bench/run.py``: import of one national round and of the 130-round history against a raw
   write of the same rows, and the figures selectors against hand-written SQL;
2. ``nahrain demo generate --scale national`` into a fresh database (SQLite file in a temporary
   folder, or the PostgreSQL database ``bench_generator_national``): wall time and the peak
   resident memory of that process (``os.wait4``);
3. ``bench/api.py`` on the generated history: the overview page's server time and each read
   endpoint under wrk.

The report (``bench/results/REPORT.md``) holds the machine, the PostgreSQL settings that
matter, and every table; the JSON files beside it hold every sample. ``--quick`` runs a small
version of everything (500 locations, 5 rounds, small demo scale, 3 s an endpoint) to check
that the suite works, not to measure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_GENERATED = "bench_generator_national"


def say(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}Z] {message}", flush=True)


def timed(command: list[str], env: dict[str, str], log: Path) -> dict[str, float]:
    """Run a command to its end; its wall time and its own peak resident memory."""
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(command)} failed; see {log}")
    return {"wall_s": time.perf_counter() - start, "peak_rss_mb": usage.ru_maxrss / 1024}


def machine() -> dict[str, Any]:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    wanted = ("Model name", "CPU(s)", "Thread(s) per core", "L3 cache", "Hypervisor vendor")
    cpu = {
        k.strip(): v.strip()
        for k, _, v in (line.partition(":") for line in lscpu.splitlines())
        if k.strip() in wanted
    }
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "lscpu": cpu,
        "ram_gib": round(int(memory) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def postgres_settings() -> dict[str, str]:
    import psycopg

    names = (
        "server_version",
        "shared_buffers",
        "work_mem",
        "maintenance_work_mem",
        "effective_cache_size",
        "synchronous_commit",
        "fsync",
        "wal_level",
        "max_wal_size",
        "autovacuum",
        "jit",
    )
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}  # type: ignore[index]


def postgres_fresh(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def postgres_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-run", action="store_true", help="reuse RESULTS.json as it is")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    nahrain = str(Path(python).with_name("nahrain"))
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    report: dict[str, Any] = {"at": datetime.now(UTC).isoformat(timespec="seconds")}
    report["machine"] = machine()
    if "postgres" in databases:
        report["postgresql"] = postgres_settings()
    scale = "small" if args.quick else "national"
    seconds = 3 if args.quick else args.seconds
    generated: dict[str, Any] = {}
    for database in databases:
        if not args.skip_run:
            say(f"{database}: imports and figures (bench/run.py)")
            command = [python, "bench/run.py", "--database", database]
            if args.quick:
                command += ["--locations", "500", "--rounds", "5", "--repeat", "5"]
            env = {**os.environ, "BENCH_POSTGRES_DATABASE": "bench_generator"}
            done = subprocess.run(command, cwd=ROOT, env=env, check=False)
            if done.returncode:
                return done.returncode
        say(f"{database}: nahrain demo generate --scale {scale}")
        folder = Path(tempfile.mkdtemp(prefix="nahrain-generated-"))
        if database == "sqlite":
            url = f"sqlite:///{folder / 'generated.sqlite3'}"
        else:
            url = postgres_fresh(PG_GENERATED)
        env = {**os.environ, "DATABASE_URL": url, "NAHRAIN_DATA_DIR": str(folder / "data")}
        try:
            migrate = timed([nahrain, "migrate", "-v0"], env, RESULTS / f"migrate-{database}.log")
            generate = timed(
                [nahrain, "demo", "generate", "--scale", scale, "--seed", "1", "--no-boundaries"],
                env,
                RESULTS / f"generate-{database}.log",
            )
            generated[database] = {"scale": scale, "migrate": migrate, "generate": generate}
            say(f"  generated in {generate['wall_s']:.0f} s, peak {generate['peak_rss_mb']:.0f} MB")
            say(f"{database}: API under load (bench/api.py)")
            api_command = [python, "bench/api.py", "--database-url", url, "--data-dir"]
            api_command += [str(folder / "data"), "--seconds", str(seconds)]
            done = subprocess.run(api_command, cwd=ROOT, env=env, check=False)
            if done.returncode:
                return done.returncode
        finally:
            if database == "postgres":
                postgres_drop(PG_GENERATED)
            shutil.rmtree(folder, ignore_errors=True)
    report["generated"] = generated
    (RESULTS / "SUITE.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    summary = subprocess.run(
        [python, "bench/run.py", "--report"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout
    sys.path.insert(0, str(ROOT))
    from bench import api

    api_results = json.loads((RESULTS / "API.json").read_text(encoding="utf-8"))
    lines = [
        f"# Benchmark report ({report['at']})",
        "",
        "```json",
        json.dumps({k: report[k] for k in ("machine", "postgresql") if k in report}, indent=1),
        "```",
        "",
        "## Imports and figures",
        "",
        summary,
        "",
        "## Generating and loading the demo history",
        "",
        "| database | scale | migrate s | generate and load s | peak RSS MB |",
        "| --- | --- | --: | --: | --: |",
    ]
    for database, g in generated.items():
        lines.append(
            f"| {database} | {g['scale']} | {g['migrate']['wall_s']:.0f} | "
            f"{g['generate']['wall_s']:.0f} | {g['generate']['peak_rss_mb']:.0f} |"
        )
    lines += ["", "## API under load", "", api.markdown(api_results)]
    (RESULTS / "REPORT.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    say(f"report written to {RESULTS / 'REPORT.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
