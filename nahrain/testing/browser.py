"""Playwright driving Debian's Chromium, for tests of pages as a person sees them.

Every request the page makes must go to the test server: a request anywhere else is blocked and
recorded, and so is every console error, so that a test can assert there were none.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("NAHRAIN_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
# Screenshots land in var/ for a person to look at after a run; with NAHRAIN_DOCS_SCREENSHOTS=1
# they replace the ones docs/ and the README show.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("NAHRAIN_DOCS_SCREENSHOTS") == "1"
    else ROOT / "var" / "screenshots"
)
# Chromium phones home unless told not to; on a closed network that shows up as failed requests.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class BrowserRecord:
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


@pytest.fixture
def page(live_server: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    if not chromium_available():
        if os.environ.get("NAHRAIN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"NAHRAIN_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test makes
    # between page actions are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    record = BrowserRecord()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})

        def guard(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            host = urlparse(url).hostname or ""
            if host in ("127.0.0.1", "localhost") or url.startswith(("data:", "blob:")):
                route.continue_()  # type: ignore[attr-defined]
            else:
                record.outside_requests.append(url)
                route.abort()  # type: ignore[attr-defined]

        context.route("**/*", guard)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                record.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: record.console_errors.append(str(error)))
        page.record = record  # type: ignore[attr-defined]
        yield page
        context.close()
        browser.close()


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
