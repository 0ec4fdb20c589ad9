"""The printable list of a distribution: tokens as text and as QR codes holding the token alone,
the head's name, the entitlement in words, who was served; for the organisation's assistance
officers alone, each read audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.utils import translation

from nahrain.assistance import distributions, sheets
from nahrain.assistance.models import Distribution, ListEntry, Outcome
from nahrain.assistance.sheets import distribution_sheet, qr_svg
from nahrain.assistance.tests.dist_world import at, world
from nahrain.core.models import AuditEvent
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.sites import services as site_services
from nahrain.sites.models import SiteType
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
    with translation.override("en"):  # whatever language an earlier test left active
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


def _two_places(personas: Personas) -> tuple[Any, Distribution, Distribution]:
    """Four households on one list: two at Chameshku camp, one in Zakho out of camp, one in
    Duhok; a distribution at the camp and one for Zakho district."""
    geo_services.gazetteer_load()
    zakho = AdminUnit.objects.get(pcode="IQG09Q04")
    camp = site_services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-CHM",
        name_en="Chameshku",
        type=SiteType.CAMP,
        admin_unit=zakho,
        status_on=date(2014, 9, 1),
        capacity_people=30000,
    )
    w = world(personas.iom, households=4, prefix="place")
    first, second, third, fourth = w.entries
    ListEntry.objects.filter(pk__in=[first.pk, second.pk]).update(site=camp)
    ListEntry.objects.filter(pk=third.pk).update(admin_unit=zakho)
    ListEntry.objects.filter(pk=fourth.pk).update(
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q02")
    )
    at_camp = distributions.distribution_create(
        actor=w.officer,
        programme=w.programme,
        distribution_list=w.approved,
        cycle=1,
        planned_on=date(2026, 12, 2),
        site=camp,
    )
    in_zakho = distributions.distribution_create(
        actor=w.officer,
        programme=w.programme,
        distribution_list=w.approved,
        cycle=1,
        planned_on=date(2026, 12, 3),
        admin_unit=zakho,
    )
    return w, at_camp, in_zakho


def test_a_distribution_at_a_site_or_in_an_area_lists_and_counts_its_households_alone(
    personas: Personas,
) -> None:
    w, at_camp, in_zakho = _two_places(personas)
    numbers = [e.household.number for e in w.entries]
    camp_sheet = distribution_sheet(user=w.officer, distribution=at_camp)
    assert [r.number for r in camp_sheet.rows] == sorted(numbers[:2])
    zakho_sheet = distribution_sheet(user=w.officer, distribution=in_zakho)
    assert [r.number for r in zakho_sheet.rows] == sorted(numbers[:3])  # the camp is in Zakho
    assert distributions.reconciliation(at_camp).planned == 2
    assert distributions.reconciliation(in_zakho).planned == 3
    assert distributions.reconciliation(w.distribution).planned == 4  # neither: the list


def test_a_long_sheet_comes_a_page_at_a_time(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sheets, "PAGE_ROWS", 2)
    w = world(personas.iom, households=5, prefix="long")
    numbers = sorted(e.household.number for e in w.entries)
    pages = [
        distribution_sheet(user=w.officer, distribution=w.distribution, page=n) for n in (1, 2, 3)
    ]
    assert [[r.number for r in p.rows] for p in pages] == [numbers[:2], numbers[2:4], numbers[4:]]
    assert [r.position for r in pages[2].rows] == [5]
    assert {(p.pages, p.households) for p in pages} == {(3, 5)}
    assert distribution_sheet(user=w.officer, distribution=w.distribution, page=9).page == 3

    desk = Client()
    desk.force_login(w.officer)
    base = f"/assistance/distributions/{w.distribution.uid}/sheet/"
    second = desk.get(base, {"page": "2"})
    assert second.status_code == 200 and "no-store" in second["Cache-Control"]
    html = second.content.decode()
    assert numbers[2] in html and numbers[0] not in html
    assert "?page=1" in html and "?page=3" in html
    assert desk.get(base, {"page": "x"}).status_code == 200
