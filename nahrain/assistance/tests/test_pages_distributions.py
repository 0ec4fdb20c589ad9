"""The distribution pages as a desk team uses them: the printable list with each household's
token and QR code; at the desk, a token typed in finds the household and what it is entitled
to, and one tap records it received, collected by a named proxy, absent or refused; a household
served already says so, and the reconciliation counts what was planned, served and left over.
Then a PDM sample is drawn from the served households and its page lists whom to visit. Every
page is personal data of IOM's assistance officers: kept by no cache, read audited."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from nahrain.assistance.models import DistributionStatus, MonitoringSample, Receipt
from nahrain.assistance.tests.dist_world import world
from nahrain.assistance.tests.test_pages_programmes import visible_text
from nahrain.core.models import AuditEvent
from nahrain.testing.personas import Personas


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_desk_records_each_household_once_and_the_reconciliation_adds_up(
    personas: Personas,
) -> None:
    made = world(personas.iom, households=3)
    desk = signed_in(made.officer)
    base = f"/assistance/distributions/{made.distribution.uid}"
    first, second, third = made.entries

    sheet = desk.get(f"{base}/sheet/")
    assert sheet.status_code == 200 and "no-store" in sheet["Cache-Control"]
    html = sheet.content.decode()
    assert all(e.token in html for e in made.entries)
    assert html.count("<svg") == 3  # a QR code per household
    assert "Mohammed Ahmed Al-Jubouri" in visible_text(html)

    for typed in (first.token.replace("-", ""), first.token.replace("-", "  ").lower()):
        # Without its dash, with spaces, in lower case: the same household.
        typed_in = desk.get(f"{base}/record/", {"token": typed})
        assert first.household.number in visible_text(typed_in.content.decode())
    found = desk.get(f"{base}/record/", {"token": first.token.lower()})
    text = visible_text(found.content.decode())
    assert (
        f"Household {first.household.number}" in text and "1 NFI kit" in text
    ) or "NFI kit" in text
    shown = dict(re.findall(r'name="(key|at)" value="([^"]+)"', found.content.decode()))
    record = {"token": first.token, **shown, "outcome": "received"}
    answer = desk.post(f"{base}/record/", record)
    assert answer.status_code == 302, visible_text(answer.content.decode())
    answer = desk.post(f"{base}/record/", record)  # a double tap records once
    assert answer.status_code == 302, visible_text(answer.content.decode())
    assert Receipt.objects.filter(entry=first).count() == 1

    again = visible_text(desk.get(f"{base}/record/", {"token": first.token}).content.decode())
    assert "Already served in this cycle" in again

    # A proxy needs a name; with it, the household is served.
    proxy = {"token": second.token, "key": "desk:proxy-1", "at": shown["at"], "outcome": "proxy"}
    reads = AuditEvent.objects.filter(action="assistance.distribution_read").count()
    refused = desk.post(f"{base}/record/", proxy)
    assert refused.status_code == 200
    # The household is shown again with the refusal: that read is audited too.
    assert second.household.number in visible_text(refused.content.decode())
    assert AuditEvent.objects.filter(action="assistance.distribution_read").count() == reads + 1
    assert "Write the name of the person who collected it." in visible_text(
        refused.content.decode()
    )
    done = desk.post(
        f"{base}/record/", {**proxy, "proxy_name": "Khalid Ahmed", "proxy_relation": "brother"}
    )
    assert done.status_code == 302
    assert Receipt.objects.get(entry=second).proxy_name == "Khalid Ahmed"
    desk.post(
        f"{base}/record/",
        {"token": third.token, "key": "desk:3", "at": shown["at"], "outcome": "absent"},
    )

    unknown = desk.get(f"{base}/record/", {"token": "NOSUCH"})
    assert "No household on this list has that token." in visible_text(unknown.content.decode())

    page = desk.get(f"{base}/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    reconciliation = visible_text(page.content.decode())
    assert "Households planned 3" in reconciliation
    assert "Served here 2 (1 through a proxy)" in reconciliation
    assert "Absent 1" in reconciliation
    assert AuditEvent.objects.filter(action="assistance.distribution_read").exists()

    closed = desk.post(f"{base}/status/", {"returned_nfi_kit": "1"})
    assert closed.status_code == 302
    made.distribution.refresh_from_db()
    assert made.distribution.status == DistributionStatus.CLOSED
    assert made.distribution.returned == {"nfi_kit": 1}
    assert "Not accounted for" in visible_text(desk.get(f"{base}/").content.decode())

    drawn = desk.post(f"{base}/samples/", {"confidence": "0.95", "margin": "0.05"})
    assert drawn.status_code == 302
    sample = MonitoringSample.objects.get(distribution=made.distribution)
    assert drawn["Location"] == f"/assistance/samples/{sample.uid}/"
    visits = desk.get(drawn["Location"])
    assert visits.status_code == 200 and "no-store" in visits["Cache-Control"]
    text = visible_text(visits.content.decode())
    members = list(sample.members.select_related("receipt__entry"))
    assert "Households to visit" in text and all(m.code in text for m in members)
    # The interviewer's list names each household by its sample code, never by a claim ticket.
    assert not any(m.receipt.entry.token in text for m in members)


def test_nobody_but_the_organisations_assistance_officers_opens_a_distribution(
    personas: Personas,
) -> None:
    made = world(personas.iom, households=1)
    base = f"/assistance/distributions/{made.distribution.uid}"
    for persona in (personas.layla, personas.hana, personas.root, personas.karim):
        client = persona.client()
        for path in ("/", "/sheet/", "/record/"):
            assert client.get(base + path).status_code == 404, (persona, path)


@pytest.mark.parametrize(("modality", "shown"), [("cash", True), ("voucher", False)])
def test_a_payment_list_is_offered_for_cash_alone(
    personas: Personas, modality: str, shown: bool
) -> None:
    made = world(personas.iom, modality=modality, prefix=modality)
    page = signed_in(made.officer).get(f"/assistance/programmes/{made.programme.uid}/")
    assert page.status_code == 200
    # Payments are exported for cash; vouchers are handed out at distributions.
    assert ("Send a payment list" in visible_text(page.content.decode())) is shown
