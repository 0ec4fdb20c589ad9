"""Shared test set-up: database-vendor markers, third-party data, and the named personas."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

SHARED = Path(
    os.environ.get("NAHRAIN_SHARED_DIR", Path(__file__).resolve().parent.parent / "shared")
)

pytest_plugins = ["nahrain.testing.personas", "nahrain.testing.browser", "nahrain.testing.report"]


def _on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    require_pg = os.environ.get("NAHRAIN_REQUIRE_POSTGRES") == "1"
    if require_pg and not _on_postgres():
        raise pytest.UsageError("NAHRAIN_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")
    if not _on_postgres():
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)
    if not SHARED.exists():
        if os.environ.get("NAHRAIN_REQUIRE_SHARED") == "1":
            raise pytest.UsageError(f"NAHRAIN_REQUIRE_SHARED=1 but {SHARED} does not exist")
        skip = pytest.mark.skip(reason=f"third-party data folder {SHARED} not present")
        for item in items:
            if "shared_data" in item.keywords:
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
    # CI's PostgreSQL run must really run the PostgreSQL tests: a skip there is a failure.
    if os.environ.get("NAHRAIN_REQUIRE_POSTGRES") != "1":
        return
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "postgres" in getattr(report, "keywords", {})
    ]
    if skipped:
        terminalreporter.write_line(
            f"FAILED: {len(skipped)} PostgreSQL test(s) skipped on PostgreSQL", red=True
        )
        session = terminalreporter._session
        assert session is not None
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def shared() -> Iterator[Path]:
    """The third-party data folder (``../shared``); tests using it are marked ``shared_data``."""
    yield SHARED


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    # PBKDF2 at production strength costs ~0.3 s a user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # Every test starts and ends in the default language: a page or a background job answered
    # in Arabic or Kurdish leaves that language active in the thread, and the next test's
    # messages would read in it.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings: object) -> None:
    # No worker runs beside the tests: background jobs run where they are enqueued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # type: ignore[attr-defined]
