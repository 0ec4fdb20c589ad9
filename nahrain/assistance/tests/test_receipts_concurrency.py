"""No household served twice in a cycle when teams sync at the same moment: several distribution
monitors' phones, each in its own thread and connection, send "received" (some by a proxy) for
the same household of the same cycle at once, on PostgreSQL (SQLite serialises writers, so
there is no race to lose there). The database lets one serve; every other recording is kept as
a duplicate of it, none is refused, none deadlocks."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from nahrain.assistance import distributions
from nahrain.assistance.models import Outcome, Receipt
from nahrain.assistance.tests.dist_world import at, world
from nahrain.testing.personas import Personas

TEAMS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_teams_recording_one_household_at_once_serve_it_once(
    personas: Personas, caplog: pytest.LogCaptureFixture
) -> None:
    w = world(personas.iom, prefix="race")
    entry = w.entries[0]
    barrier = threading.Barrier(TEAMS)

    def send(team: int) -> str:
        try:
            barrier.wait(timeout=30)
            receipt = distributions.receipt_record(
                actor=w.officer,
                distribution=w.distribution,
                token=entry.token,
                outcome=Outcome.PROXY if team % 2 else Outcome.RECEIVED,
                proxy_name="Ali" if team % 2 else "",
                key=f"team-{team}",
                recorded_at=at(9, team),
            )
            # The same phone sends again at once: still one recording of it.
            again = distributions.receipt_record(
                actor=w.officer,
                distribution=w.distribution,
                token=entry.token,
                outcome=Outcome.PROXY if team % 2 else Outcome.RECEIVED,
                proxy_name="Ali" if team % 2 else "",
                key=f"team-{team}",
                recorded_at=at(9, team),
            )
            return "ok" if again.pk == receipt.pk else "resent twice"
        except Exception as failed:  # the test reports what went wrong, not a thread trace
            return repr(failed)
        finally:
            connection.close()

    with ThreadPoolExecutor(TEAMS) as pool:
        outcomes = list(pool.map(send, range(TEAMS)))
    assert outcomes == ["ok"] * TEAMS
    receipts = Receipt.objects.filter(household=entry.household)
    assert receipts.count() == TEAMS
    served = receipts.get(served=True)
    assert set(receipts.filter(served=False).values_list("duplicate_of", flat=True)) == {served.pk}
    report = distributions.reconciliation(w.distribution)
    assert (report.served, report.duplicates) == (1, TEAMS - 1)
    # The reach refresh each served receipt asks for on commit ran without an error (a failed
    # refresh is logged, not raised, once the receipt is committed).
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
