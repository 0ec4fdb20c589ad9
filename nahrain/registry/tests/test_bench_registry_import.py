"""The registry import benchmark runs, on the database the tests run on: a list of a few hundred
households, so that what it drives (the spec, the bulk write, the tables and their columns)
cannot change under it unseen. Its figures are not judged here; docs/PERFORMANCE.md ("Registry
import") holds the measured ones."""

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
def test_a_quick_run_of_the_registry_import_benchmark_writes_what_the_raw_copy_writes(
    tmp_path: Path,
) -> None:
    env = {**os.environ}
    command = [sys.executable, "bench/registry_import.py", "--households", "300", "--sites", "5"]
    command += ["--output", str(tmp_path / "REGISTRY.json")]
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["BENCH_POSTGRES_DATABASE"] = "nahrain_bench_registry_quick"
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
    entry = json.loads((tmp_path / "REGISTRY.json").read_text(encoding="utf-8"))["databases"]
    measured = next(iter(entry.values()))["import"]
    # The run fails unless both writes stored the same rows and every camp counts its people.
    assert measured["households"] == 300
    assert measured["tables"]["registry_household"] == 300
    assert measured["tables"]["registry_individual"] == measured["individuals"] == 1500
    assert "ratio (raw s / import s)" in done.stdout
