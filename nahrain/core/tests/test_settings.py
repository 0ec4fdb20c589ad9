"""Settings: the embedded default and the production checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


def test_production_settings_pass_check_deploy_without_a_warning() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nahrain.settings_production",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
        "ALLOWED_HOSTS": "nahrain.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-m", "nahrain.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"DJANGO_SETTINGS_MODULE": "nahrain.settings_production", "ALLOWED_HOSTS": "x"})
    result = subprocess.run(
        [sys.executable, "-m", "nahrain.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked() -> None:
    if os.environ.get("DEBUG"):
        pytest.skip("DEBUG set in this environment")
    assert settings.DEBUG is False


def test_sqlite_runs_in_wal_mode() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the embedded default only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The in-memory test database cannot use WAL; the file database the demo uses must.
    assert mode in ("wal", "memory")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert "journal_mode=WAL" in options["init_command"]


def test_the_embedded_secret_key_is_kept_between_runs(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["NAHRAIN_DATA_DIR"] = str(tmp_path)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env["DJANGO_SETTINGS_MODULE"] = "nahrain.settings"
    first, second = (
        subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(2)
    )
    assert first == second and len(first.strip()) > 50
