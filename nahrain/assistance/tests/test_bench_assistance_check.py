"""The list check benchmark runs, on the database the tests run on: a registry of a few thousand
people and a list of a few hundred households, so that what it drives (the check, the build,
the tables the hand-written SQL reads) cannot change under it unseen. Its figures are not judged
here; docs/PERFORMANCE.md ("Assistance list check") holds the measured ones."""

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
def test_a_quick_run_of_the_list_check_benchmark_excludes_what_the_sql_excludes(
    tmp_path: Path,
) -> None:
    env = {**os.environ}
    command = [sys.executable, "bench/assistance_check.py", "--individuals", "3000"]
    command += ["--list-households", "300", "--output", str(tmp_path / "ASSISTANCE.json")]
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["BENCH_POSTGRES_DATABASE"] = "nahrain_bench_assistance_quick"
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
    entry = json.loads((tmp_path / "ASSISTANCE.json").read_text(encoding="utf-8"))["databases"]
    check = next(iter(entry.values()))["check"]
    # The run fails unless the check and the SQL exclude the same households by the same rules.
    assert check["same_exclusions"]
    assert check["list_households"] == 300
    assert set(check["excluded"]) >= {"no_consent", "duplicate_on_list", "on_another_list"}
    assert check["built"]["households"] > 0
    assert "ratio (SQL s / check s)" in done.stdout
