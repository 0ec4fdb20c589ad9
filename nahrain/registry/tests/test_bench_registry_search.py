"""The registry search benchmark runs, on the database the tests run on: a small registry, so that
what it writes (the tables, their columns, the keys) cannot drift from the app unseen. Its
figures are not judged here; docs/PERFORMANCE.md ("Registry search") holds the measured ones."""

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
def test_a_quick_run_of_the_search_benchmark_finds_every_household_it_looks_for(
    tmp_path: Path,
) -> None:
    env = {**os.environ}
    command = [sys.executable, "bench/registry_search.py", "--households", "600"]
    command += ["--searches", "120", "--output", str(tmp_path / "SEARCH.json")]
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["BENCH_POSTGRES_DATABASE"] = "nahrain_bench_registry_search_quick"
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
    entry = next(iter(json.loads((tmp_path / "SEARCH.json").read_text())["databases"].values()))
    assert entry["registry"]["households"] == 600
    assert entry["registry"]["individuals"] > 1200
    # Every search of the officer's own households found it, and none found another's (the
    # run fails on that).
    assert entry["search"]["searches"] == 120
    assert entry["search"]["missed"] == 0
    assert "p95 <= 100 ms" in done.stdout
