"""The 4W benchmarks run, on the database the tests run on: a sheet of a few hundred rows and a
dashboard asked a few times, so that what they drive (the spec, the bulk write, the rollup, the
dashboard selector) cannot change under them unseen. Their figures are not judged here;
docs/PERFORMANCE.md ("Coordination") holds the measured ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def _run(script: str, database: str, arguments: list[str], output: Path) -> str:
    env = {**os.environ}
    command = [sys.executable, script, *arguments, "--output", str(output)]
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["BENCH_POSTGRES_DATABASE"] = database
        command += [
            "--database",
            "postgres",
            "--postgres-url",
            f"postgresql://{login}@{host}/postgres",
        ]
    else:
        command += ["--database", "sqlite"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.django_db
def test_a_quick_run_of_the_4w_import_benchmark_writes_what_the_raw_copy_writes(
    tmp_path: Path,
) -> None:
    output = tmp_path / "COORDINATION.json"
    said = _run(
        "bench/coordination_import.py",
        "nahrain_bench_coordination_quick",
        ["--rows", "400", "--partners", "4"],
        output,
    )
    entry = json.loads(output.read_text(encoding="utf-8"))["databases"]
    measured = next(iter(entry.values()))["import"]
    # The run fails unless the import and the raw copy wrote the same rows.
    assert measured["rows"] == 400
    assert measured["rollups"] > 0
    assert "ratio (raw s / import s)" in said


@pytest.mark.django_db
def test_a_quick_run_of_the_dashboard_benchmark_times_every_reader(tmp_path: Path) -> None:
    output = tmp_path / "DASHBOARD.json"
    said = _run(
        "bench/coordination_dashboard.py",
        "nahrain_bench_coordination_dashboard_quick",
        ["--rows", "600", "--partners", "4", "--requests", "12"],
        output,
    )
    entry = json.loads(output.read_text(encoding="utf-8"))["databases"]
    measured = next(iter(entry.values()))["dashboard"]
    assert measured["rows"] == 600
    assert measured["readers"]["cluster"]["requests"] == 9
    assert measured["readers"]["partner"]["requests"] == 3
    assert "p95 ms" in said
