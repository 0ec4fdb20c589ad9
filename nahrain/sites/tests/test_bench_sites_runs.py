"""The sites benchmark runs, on the database the tests run on: a small world, so that what it
writes (the tables, their columns, the rollup rules it checks) cannot change under it unseen.
Its figures are not judged here; docs/PERFORMANCE.md ("Sites") holds the measured ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_a_quick_run_of_the_sites_benchmark_loads_a_consistent_world(tmp_path: Path) -> None:
    env = {**os.environ}
    command = [sys.executable, "bench/sites_run.py", "--sites", "30", "--households", "2000"]
    command += ["--weeks", "40", "--repeat", "1", "--output", str(tmp_path / "SITES.json")]
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["BENCH_POSTGRES_DATABASE"] = "nahrain_bench_sites_quick"
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
    entry = json.loads((tmp_path / "SITES.json").read_text(encoding="utf-8"))["databases"]
    load = next(iter(entry.values()))["load"]
    # The run fails unless both writes stored the same rows and every rollup equals its events.
    assert load["households"] == 2000
    assert load["tables"]["allocations"] == 2000
    assert load["tables"]["site weeks"] > 0
    assert "ratio (raw s / load s)" in done.stdout
