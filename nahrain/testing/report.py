"""Counts the security tests print at the end of a pytest run (cells checked, requests sent,
files tried), so that a reader of the output sees how much was proven, not only that it passed."""

from __future__ import annotations

from collections import Counter

import pytest

COUNTS: Counter[str] = Counter()


def record(what: str, count: int) -> None:
    """Add ``count`` to the figure reported as ``what``."""
    COUNTS[what] += count


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not COUNTS:
        return
    terminalreporter.section("security checks")
    for what, count in sorted(COUNTS.items()):
        terminalreporter.write_line(f"{what}: {count}")
