"""The printable list of a distribution: tokens as text and as QR codes holding the token alone,
the head's name, the entitlement in words, who was served; for the organisation's assistance
officers alone, each read audited."""

from __future__ import annotations

import pytest
from django.http import Http404

from nahrain.assistance import distributions
from nahrain.assistance.models import Outcome
from nahrain.assistance.sheets import distribution_sheet, qr_svg
from nahrain.assistance.tests.dist_world import at, world
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Personas


def test_the_sheet_lists_tokens_with_their_qr_codes(personas: Personas) -> None:
    w = world(personas.iom, prefix="sheet")
    distributions.receipt_record(
        actor=w.officer,
        distribution=w.distribution,
        entry=w.entries[1],
        outcome=Outcome.RECEIVED,
        key="s1",
        recorded_at=at(10),
    )
    sheet = distribution_sheet(user=w.officer, distribution=w.distribution)
    assert [r.number for r in sheet.rows] == sorted(e.household.number for e in w.entries)
    row = next(r for r in sheet.rows if r.token == w.entries[1].token)
    assert row.served and row.outcome == "received"
    assert row.head_ar == "محمد أحمد الجبوري" and row.head_lat == "Mohammed Ahmed Al-Jubouri"
    assert row.entitlement == "1 NFI kit"
    assert row.qr.startswith("<svg") and row.qr == qr_svg(row.token)
    assert AuditEvent.objects.filter(action="assistance.sheet_read").count() == 1


def test_the_qr_code_holds_the_token_alone() -> None:
    # The same text, the same code: nothing but the token goes into it.
    assert qr_svg("AB12CD34") == qr_svg("AB12CD34") != qr_svg("AB12CD35")


@pytest.mark.parametrize("who", ["layla", "iom_admin", "root", "karim"])
def test_nobody_else_reads_the_sheet(personas: Personas, who: str) -> None:
    w = world(personas.iom, prefix="hide")
    with pytest.raises(Http404):
        distribution_sheet(user=getattr(personas, who).user, distribution=w.distribution)
