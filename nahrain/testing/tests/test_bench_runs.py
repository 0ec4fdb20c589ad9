"""The benchmark runs, on the database the tests run on: a small quick run, so that what it
imports and writes cannot change under it unseen (it is type-checked with the rest). Its
figures are not judged here; docs/PERFORMANCE.md holds the measured ones."""

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
def test_a_quick_run_of_the_benchmark_completes_with_its_report(tmp_path: Path) -> None:
    env = {**os.environ}
    command = [sys.executable, "bench/run.py", "--locations", "120", "--rounds", "2"]
    command += ["--repeat", "1", "--import-repeat", "1", "--no-boundaries"]
    command += ["--output", str(tmp_path / "RESULTS.json")]
    if connection.vendor == "postgresql":
        # The benchmark creates and drops a database of its own, through the server's
        # maintenance database, with the tests' credentials.
        db = connection.settings_dict
        login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        admin_url = (
            f"postgresql://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
        )
        env["BENCH_POSTGRES_DATABASE"] = "nahrain_bench_quick"
        command += ["--database", "postgres", "--postgres-url", admin_url]
    else:
        command += ["--database", "sqlite"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "RESULTS.json").read_text(encoding="utf-8"))
    assert results
    assert "ratio" in done.stdout
