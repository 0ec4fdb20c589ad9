#!/usr/bin/env python3
"""Build Nahrain in a local virtual environment, then serve the demo or run the tests.

    python3 dev.py demo    # build, load Iraq reference and demo data, serve http://127.0.0.1:8000
    python3 dev.py test    # build, then ruff, mypy, migrations check and the whole test suite
    python3 dev.py fuzz    # build, then a long API fuzzing and malformed-upload campaign

Needs only Python 3.11+. The environment lives in .venv and is reinstalled only when
requirements.lock changes. DATABASE_URL chooses the database (SQLite under var/ by default).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".nahrain-lock-sha256"
# ODK Web Forms' engine, which loads the published forms in the tests (node packages).
ENGINE = ROOT / "nahrain" / "collect" / "tests" / "engine"
ENGINE_STAMP = ENGINE / "node_modules" / ".nahrain-lock-sha256"


def step(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def build() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Nahrain needs Python 3.11 or newer.")
    if not (BIN / "python").exists():
        step("Creating the virtual environment in .venv")
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256(LOCK.read_bytes() + b"|" + (ROOT / "pyproject.toml").read_bytes())
    if not STAMP.exists() or STAMP.read_text() != digest.hexdigest():
        step("Installing the locked dependencies")
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK)
        run(BIN / "python", "-m", "pip", "install", "--quiet", "--no-deps", "-e", ".")
        STAMP.write_text(digest.hexdigest())
    step("Compiling translations")
    run(BIN / "nahrain", "i18n", "compile")


def engine_install() -> None:
    """Install the XForms engine the tests load the forms in, when npm is present and its
    lockfile changed; without npm the engine tests are skipped (failed in CI)."""
    npm = shutil.which("npm")
    if npm is None:
        return
    digest = hashlib.sha256((ENGINE / "package-lock.json").read_bytes()).hexdigest()
    if ENGINE_STAMP.exists() and ENGINE_STAMP.read_text() == digest:
        return
    step("Installing the XForms engine (npm ci)")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ENGINE)
    if result.returncode != 0:
        sys.exit(result.returncode)
    ENGINE_STAMP.write_text(digest)


def demo() -> None:
    build()
    step("Preparing the database")
    run(BIN / "nahrain", "migrate", "--verbosity", "0")
    step("Loading Iraq reference data and demo accounts")
    run(BIN / "nahrain", "demo", "setup")
    step("Serving http://127.0.0.1:8000 (Ctrl+C stops)")
    run(BIN / "nahrain", "serve", "--bind", "127.0.0.1:8000")


def test() -> None:
    build()
    engine_install()
    step("ruff")
    run(BIN / "ruff", "check", ".")
    step("mypy --strict")
    run(BIN / "mypy", "nahrain", "conftest.py", "bench")
    step("Migrations match the models")
    run(BIN / "nahrain", "makemigrations", "--check", "--dry-run", "--verbosity", "1")
    step("pytest")
    # Persistent connections would outlive the live-server threads of the browser tests and
    # keep PostgreSQL from dropping the test database.
    env = {**os.environ, "DATABASE_CONN_MAX_AGE": "0"}
    run(BIN / "pytest", *sys.argv[2:], env=env)


def fuzz() -> None:
    """The test command's fuzzing and malformed-upload tests with many more examples (100 per
    API operation and persona, 60 files per kind of damage) and a fresh random seed; extra
    arguments go to pytest. NAHRAIN_FUZZ_EXAMPLES and NAHRAIN_MALFORMED_EXAMPLES override the
    counts."""
    build()
    step("API fuzzing and malformed uploads, long run")
    env = {
        **os.environ,
        "DATABASE_CONN_MAX_AGE": "0",
        "NAHRAIN_FUZZ_EXAMPLES": os.environ.get("NAHRAIN_FUZZ_EXAMPLES", "100"),
        "NAHRAIN_MALFORMED_EXAMPLES": os.environ.get("NAHRAIN_MALFORMED_EXAMPLES", "60"),
        "NAHRAIN_FUZZ_RANDOM": os.environ.get("NAHRAIN_FUZZ_RANDOM", "1"),
    }
    tests = ROOT / "nahrain" / "testing" / "tests"
    run(
        BIN / "pytest",
        tests / "test_api_fuzzing.py",
        tests / "test_malformed_uploads.py",
        "-p",
        "no:logging",
        *sys.argv[2:],
        env=env,
    )


COMMANDS = {"demo": demo, "test": test, "build": build, "fuzz": fuzz}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]]()
