"""Assistance's slice of the demo: IOM's programmes of the 2018 appeal, run on the demo registry.

Who: IOM's assistance officers ``salam.nfi`` (builds the lists, plans the distributions) and
``huda.cash`` (approves the lists: never the one who built them), both made by core's slice.
Everything is written through the services, as on the day it happened (``timezone.now`` set to
that day); the draws are the seed's.

- **Who is registered for it.** Besides the camps' households of the registry slice, IOM
  registers (as the registry slice writes households) 30 households of an informal settlement of
  the sites slice, for sealing-off kits, and 40 households renting out of camp in Mosul, for the
  rental subsidy. Nine in ten agree to their record's use for assistance, as in the registry
  slice: the others are on the lists, excluded as ``no_consent``.
- **Seasonal NFI top-up, winter 2025-26** (in kind): the camps' households, a winter kit and
  blankets by household size; list built on 3 November 2025 and approved the next day; one
  distribution per camp in mid-December: most households received, some absent, a few refused,
  some collected by a named proxy, and one late second recording by another team kept as a
  duplicate; each distribution closed with what came back to the warehouse. A PDM sample of the
  first camp's distribution, interviewed in January 2026 (one household asks to complain).
- **Sealing-off kits** (in kind) for the informal settlement's households: distributed in
  October 2026.
- **Rental subsidy**, USD 220 a month for three months (cash): the Mosul households; each
  month's transfer list exported for Zain Cash and its report reconciled (a few transfers
  failed: the wallet was not activated); November's batch waits for the provider's report.
- **Return package**, USD 440 a household (cash): the households the registry says returned to
  their area of origin; list approved, not yet paid.
- **Livelihood grants for female-headed households** (cash): list approved.
- **Seasonal NFI top-up, winter 2026-27**: its list built today and checked, waiting for the
  second officer's approval: the informal settlement's households are excluded (a sealing-off
  kit less than 90 days ago) and so are the Mosul households receiving the rental subsidy.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from nahrain.assistance import distributions, monitoring, payments, services
from nahrain.assistance.models import (
    Distribution,
    DistributionList,
    ListEntry,
    Outcome,
    Programme,
    Receipt,
)
from nahrain.core.models import Organisation
from nahrain.demo.slices import Demo, Slice
from nahrain.geo import selectors as geo_selectors
from nahrain.registry import demo as registry_demo
from nahrain.registry.models import Household
from nahrain.sites.models import Site, SiteType

BUILDER = "salam.nfi"
APPROVER = "huda.cash"
HRP = "IRQ18/SNFI/DEMO"  # the demo's project codes, in the HRP's shape
INFORMAL_HOUSEHOLDS = 30
RENTING_HOUSEHOLDS = 40
RENTING_IN = ("Mosul", "Ninewa")  # district, governorate

WINTER_KIT = {
    "by_size": [
        {
            "size_min": 1,
            "size_max": 5,
            "items": [{"item": "winter_kit", "quantity": 1}, {"item": "blanket", "quantity": 4}],
        },
        {
            "size_min": 6,
            "size_max": None,
            "items": [
                {"item": "winter_kit", "quantity": 1},
                {"item": "blanket", "quantity": 8},
                {"item": "kerosene_heater", "quantity": 1},
            ],
        },
    ]
}


@contextmanager
def _on(day: date, hour: int = 9) -> Iterator[datetime]:
    """Write as on that day and hour: the services and the audit log read ``timezone.now``."""
    moment = timezone.make_aware(datetime.combine(day, clock(hour)))
    with mock.patch.object(timezone, "now", return_value=moment):
        yield moment


def _registered(
    rng: random.Random,
    *,
    actor: User,
    organisation: Organisation,
    count: int,
    on: date,
    site: Site | None = None,
    district: tuple[str, str] | None = None,
) -> list[Household]:
    """Households IOM registers for a programme, written as the registry slice writes them."""
    origins = [
        geo_selectors.admin_unit_resolve(name, level=1) for name, _w in registry_demo.ORIGINS
    ]
    families = registry_demo.Families(rng, "full", origins)
    drawn = [families.household(on) for _ in range(count)]
    admin_unit = None
    if district is not None:
        governorate = geo_selectors.admin_unit_resolve(district[1], level=1)
        admin_unit = geo_selectors.admin_unit_resolve(district[0], level=2, within=governorate)
    return registry_demo.exercise_write(
        drawn, rng=rng, actor=actor, organisation=organisation, site=site, admin_unit=admin_unit
    )


def _programme(
    *,
    actor: User,
    organisation: Organisation,
    rules: dict[str, Any],
    source: str,
    on: date,
    activate: bool = True,
    **fields: Any,
) -> Programme:
    with _on(on):
        programme = services.programme_create(
            actor=actor, organisation=organisation, starts_on=on, **fields
        )
        services.rules_set(actor=actor, programme=programme, document=rules, source=source)
        if activate:
            programme = services.programme_activate(actor=actor, programme=programme)
    return programme


def _list(
    programme: Programme, *, builder: User, approver: User | None, built_on: date
) -> DistributionList:
    """The programme's list built from the registry and, when an approver is given, approved by
    them the next day."""
    with _on(built_on):
        built = services.list_build(actor=builder, programme=programme, today=built_on)
    if approver is None:
        return built
    with _on(built_on + timedelta(days=1), 10):
        return services.list_approve(actor=approver, distribution_list=built)


def _outcome(rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.84:
        return Outcome.RECEIVED
    if draw < 0.91:
        return Outcome.PROXY
    return Outcome.ABSENT if draw < 0.98 else Outcome.REFUSED


PROXIES = (("Khalid", "brother"), ("Amira", "neighbour"), ("Yousif", "son"), ("Fatima", "sister"))


def _served(
    rng: random.Random,
    *,
    actor: User,
    distribution: Distribution,
    entries: list[ListEntry],
    day: date,
    late_duplicate: bool = False,
) -> dict[str, int]:
    """Open the distribution, record each household's outcome through the day, close it with
    what came back; a late second recording of one household by another team when asked."""
    with _on(day, 8):
        distribution = distributions.distribution_open(actor=actor, distribution=distribution)
    counts: dict[str, int] = {}
    start = timezone.make_aware(datetime.combine(day, clock(9)))
    first_served: Receipt | None = None
    for n, entry in enumerate(entries):
        outcome = _outcome(rng)
        proxy_name = proxy_relation = ""
        if outcome == Outcome.PROXY:
            proxy_name, proxy_relation = PROXIES[n % len(PROXIES)]
        at = start + timedelta(minutes=2 * n)
        with _on(day, 9 + min(n // 30, 8)):
            receipt = distributions.receipt_record(
                actor=actor,
                distribution=distribution,
                entry=entry,
                outcome=outcome,
                key=f"demo-{distribution.uid}-{entry.token}",
                recorded_at=at,
                proxy_name=proxy_name,
                proxy_relation=proxy_relation,
            )
        counts[outcome] = counts.get(outcome, 0) + 1
        if receipt.served and first_served is None:
            first_served = receipt
    if late_duplicate and first_served is not None:
        # The second team's phone synced the next morning: it served the same household.
        with _on(day + timedelta(days=1), 8):
            distributions.receipt_record(
                actor=actor,
                distribution=distribution,
                entry=first_served.entry,
                outcome=Outcome.RECEIVED,
                key=f"demo-{distribution.uid}-{first_served.entry.token}-team2",
                recorded_at=first_served.recorded_at + timedelta(minutes=40),
            )
        counts["late duplicate"] = 1
    with _on(day, 17):
        handed = distributions.reconciliation(distribution).handed_out
        returned = {
            item: max(0, quantity - handed.get(item, 0))
            for item, quantity in distribution.stock.items()
        }
        distributions.distribution_close(actor=actor, distribution=distribution, returned=returned)
    return counts


def _stock(entries: list[ListEntry]) -> dict[str, int]:
    """What a team brings: every entitled item, and a few spares."""
    stock: dict[str, int] = {}
    for entry in entries:
        for line in entry.entitlement.get("items", []):
            stock[line["item"]] = stock.get(line["item"], 0) + int(line["quantity"])
    return {item: quantity + max(2, quantity // 20) for item, quantity in stock.items()}


def _included(distribution_list: DistributionList, **where: Any) -> list[ListEntry]:
    return list(
        ListEntry.objects.filter(list=distribution_list, included=True, **where).order_by("pk")
    )


def winter_2025(
    rng: random.Random, *, iom: Organisation, builder: User, approver: User
) -> tuple[Programme, dict[str, int], Distribution | None]:
    programme = _programme(
        actor=builder,
        organisation=iom,
        code="IOM-NFI-W25",
        name_en="Seasonal NFI top-up, winter 2025-26",
        name_ar="مواد غير غذائية موسمية، شتاء 2025-2026",
        name_ckb="کەلوپەلی نا خۆراکی وەرزی، زستانی 2025-2026",
        kind="nfi_top_up",
        modality="in_kind",
        cluster="snfi",
        hrp_project=f"{HRP}-01",
        target_households=1500,
        on=date(2025, 11, 1),
        ends_on=date(2026, 3, 31),
        rules={
            "eligible": {"in_camp": True},
            "entitlement": WINTER_KIT,
            "exclusions": [
                {"rule": "served_recently", "kinds": ["nfi_top_up", "nfi_kit"], "days": 180}
            ],
        },
        source="IOM Iraq appeal 2018: seasonal NFI top-ups; Shelter/NFI Cluster winter kit",
    )
    approved = _list(programme, builder=builder, approver=approver, built_on=date(2025, 11, 3))
    counts: dict[str, int] = {}
    first: Distribution | None = None
    sites = Site.objects.filter(
        pk__in=ListEntry.objects.filter(list=approved, included=True).values("site_id")
    ).order_by("code")
    for n, site in enumerate(sites):
        entries = _included(approved, site=site)
        day = date(2025, 12, 14) + timedelta(days=n)
        with _on(day - timedelta(days=7)):
            distribution = distributions.distribution_create(
                actor=builder,
                programme=programme,
                distribution_list=approved,
                cycle=1,
                planned_on=day,
                site=site,
                place=f"{site.name_en}: distribution point",
                team=f"IOM NFI team {n + 1}",
                stock=_stock(entries),
            )
        done = _served(
            rng,
            actor=builder,
            distribution=distribution,
            entries=entries,
            day=day,
            late_duplicate=first is None,
        )
        for outcome, count in done.items():
            counts[outcome] = counts.get(outcome, 0) + count
        first = first or distribution
    return programme, counts, first


def pdm(rng: random.Random, *, distribution: Distribution, actor: User) -> tuple[int, int]:
    """A PDM sample of the distribution and its interviews a month later."""
    with _on(distribution.planned_on + timedelta(days=21)):
        sample = monitoring.sample_draw(actor=actor, distribution=distribution, seed="demo-pdm")
    interviewed = 0
    members = list(sample.members.filter(reserve=False).order_by("position"))
    for n, member in enumerate(members):
        day = distribution.planned_on + timedelta(days=30 + n // 15)
        if rng.random() < 0.08:
            answers: dict[str, Any] = {"reached": "not_found"}
        else:
            unhappy = n == 3
            answers = {
                "reached": "interviewed",
                "modality": "in_kind",
                "received_full": "part" if unhappy else "all",
                "as_planned": "no" if unhappy else "yes",
                "quality": rng.choice(("good", "good", "acceptable", "poor")),
                "safe": "yes",
                "waiting": rng.choice(("under_1h", "under_1h", "1_3h", "over_3h")),
                "respect": "yes",
                "asked_to_pay": "no",
                "still_has": rng.choice(("all", "all", "some")),
                "knows_complain": rng.choice(("yes", "yes", "no")),
                "wants_complain": "yes" if unhappy else "no",
            }
            if unhappy:
                answers["complaint"] = "The blankets were fewer than the list said."
            interviewed += 1
        with _on(day, 11):
            monitoring.answer_record(
                actor=actor,
                sampled=member,
                answers=answers,
                interviewed_on=day,
                key=f"demo-pdm-{member.pk}",
            )
    return len(members), interviewed


def sealing_off(
    rng: random.Random, *, iom: Organisation, builder: User, approver: User, site: Site
) -> tuple[Programme, dict[str, int]]:
    programme = _programme(
        actor=builder,
        organisation=iom,
        code="IOM-SOK-26",
        name_en="Sealing-off kits, informal settlements",
        name_ar="عدة عزل المأوى، التجمعات غير الرسمية",
        name_ckb="کیتی داپۆشینی شوێنی حەوانەوە، نیشتەجێبوونە نافەرمییەکان",
        kind="sealing_off_kit",
        modality="in_kind",
        cluster="snfi",
        hrp_project=f"{HRP}-02",
        on=date(2026, 10, 1),
        rules={
            "eligible": {"sites": [str(site.uid)]},
            "entitlement": {"items": [{"item": "sealing_off_kit", "quantity": 1}]},
            "exclusions": [{"rule": "served_recently", "kinds": ["sealing_off_kit"], "days": 90}],
        },
        source="IOM Iraq appeal 2018: sealing-off kits in informal sites",
    )
    approved = _list(programme, builder=builder, approver=approver, built_on=date(2026, 10, 5))
    entries = _included(approved)
    day = date(2026, 10, 18)
    with _on(day - timedelta(days=5)):
        distribution = distributions.distribution_create(
            actor=builder,
            programme=programme,
            distribution_list=approved,
            cycle=1,
            planned_on=day,
            site=site,
            place=f"{site.name_en}: entrance",
            team="IOM shelter team",
            stock=_stock(entries),
        )
    return programme, _served(
        rng, actor=builder, distribution=distribution, entries=entries, day=day
    )


def rental_subsidy(
    rng: random.Random, *, iom: Organisation, builder: User, approver: User
) -> tuple[Programme, dict[str, int]]:
    governorate = geo_selectors.admin_unit_resolve(RENTING_IN[1], level=1)
    district = geo_selectors.admin_unit_resolve(RENTING_IN[0], level=2, within=governorate)
    assert district is not None
    programme = _programme(
        actor=builder,
        organisation=iom,
        code="IOM-RENT-26",
        name_en="Rental subsidy, Mosul",
        name_ar="دعم الإيجار، الموصل",
        name_ckb="یارمەتی کرێی خانوو، مووسڵ",
        kind="rental_subsidy",
        modality="cash",
        cluster="snfi",
        hrp_project=f"{HRP}-03",
        cycles=3,
        cycle_days=30,
        budget=Decimal(220 * 3 * RENTING_HOUSEHOLDS),
        target_households=RENTING_HOUSEHOLDS,
        on=date(2026, 9, 1),
        rules={
            "eligible": {"places": [district.pcode], "in_camp": False},
            "entitlement": {"amount": "220.00", "currency": "USD"},
            "exclusions": [
                {"rule": "not_with", "kinds": ["camp_shelter"]},
                {"rule": "served_recently", "kinds": ["return_package"], "days": 180},
            ],
        },
        source="IOM Iraq appeal 2018: rental subsidies of USD 220 a month for three months",
    )
    approved = _list(programme, builder=builder, approver=approver, built_on=date(2026, 9, 2))
    counts: dict[str, int] = {}
    # Each month huda.cash sends the cycle's transfer list to Zain Cash and loads its report
    # back; November's report has not come yet.
    for cycle in (1, 2, 3):
        sent = date(2026, 9, 10) + timedelta(days=30 * (cycle - 1))
        with _on(sent):
            batch = payments.payments_export(
                actor=approver,
                programme=programme,
                distribution_list=approved,
                cycle=cycle,
                provider="zain_cash",
            )
        if cycle == 3:
            counts["pending"] = batch.payments.count()
            break
        reports = []
        for row, payment in enumerate(batch.payments.order_by("pk"), start=2):
            failed = rng.random() < 0.05
            paid_at = timezone.make_aware(
                datetime.combine(sent + timedelta(days=rng.randrange(1, 6)), clock(12))
            )
            reports.append(
                payments.PaymentReport(
                    row=row,
                    reference=payment.reference,
                    status="failed" if failed else "paid",
                    provider_reference=f"ZC{cycle}{row:05d}",
                    reason="Wallet not activated" if failed else "",
                    paid_at=None if failed else paid_at,
                )
            )
        with _on(sent + timedelta(days=7)):
            done = payments.payments_reconcile(actor=approver, batch=batch, reports=reports)
        counts["paid"] = counts.get("paid", 0) + done.paid
        counts["failed"] = counts.get("failed", 0) + done.failed
    return programme, counts


def demo_load(demo: Demo) -> None:
    if Programme.objects.filter(code="IOM-NFI-W25").exists():
        demo.write("Assistance: already present, left alone.")
        return
    started = time.perf_counter()
    # Seeded for a reproducible demo, not for secrecy.
    rng = random.Random(f"{demo.options['seed']}:assistance")  # noqa: S311
    iom = Organisation.objects.get(acronym="IOM")
    builder = User.objects.get(username=BUILDER)
    approver = User.objects.get(username=APPROVER)
    registrar = User.objects.get(username=registry_demo.OFFICERS[0][0])
    informal = (
        Site.objects.filter(organisation=iom, type=SiteType.INFORMAL_SETTLEMENT)
        .order_by("code")
        .first()
    )
    with transaction.atomic():
        with _on(date(2026, 9, 1)):
            renting = _registered(
                rng,
                actor=registrar,
                organisation=iom,
                count=RENTING_HOUSEHOLDS,
                on=date(2026, 8, 20),
                district=RENTING_IN,
            )
        settled: list[Household] = []
        if informal is not None:
            with _on(date(2026, 9, 20)):
                settled = _registered(
                    rng,
                    actor=registrar,
                    organisation=iom,
                    count=INFORMAL_HOUSEHOLDS,
                    on=date(2026, 9, 15),
                    site=informal,
                )
        _winter, winter_counts, first = winter_2025(
            rng, iom=iom, builder=builder, approver=approver
        )
        sampled = interviewed = 0
        if first is not None:
            sampled, interviewed = pdm(rng, distribution=first, actor=builder)
        if informal is not None:
            sealing_off(rng, iom=iom, builder=builder, approver=approver, site=informal)
        rental_subsidy(rng, iom=iom, builder=builder, approver=approver)
        returns = _programme(
            actor=builder,
            organisation=iom,
            code="IOM-RET-26",
            name_en="Return package",
            name_ar="حزمة العودة",
            name_ckb="پاکێجی گەڕانەوە",
            kind="return_package",
            modality="cash",
            cluster="snfi",
            hrp_project=f"{HRP}-04",
            on=date(2026, 11, 1),
            rules={
                "eligible": {"statuses": ["returned"]},
                "entitlement": {"amount": "440.00", "currency": "USD"},
                "exclusions": [
                    {"rule": "served_recently", "kinds": ["return_package"], "days": 365}
                ],
            },
            source="IOM Iraq appeal 2018: basic return packages of USD 440 per household",
        )
        _list(returns, builder=builder, approver=approver, built_on=date(2026, 11, 10))
        grants = _programme(
            actor=builder,
            organisation=iom,
            code="IOM-LIV-26",
            name_en="Livelihood grants for female-headed households",
            name_ar="منح سبل العيش للأسر التي تعيلها نساء",
            name_ckb="بەخشینی بژێوی بۆ ئەو خێزانانەی ژن سەرپەرشتیاریانە",
            kind="livelihood_grant",
            modality="cash",
            cluster="livelihoods",
            hrp_project=f"{HRP}-05",
            target_households=112,
            on=date(2026, 11, 1),
            rules={
                "eligible": {"vulnerabilities_any": ["female_headed"], "head_sex": "f"},
                "entitlement": {"amount": "1000.00", "currency": "USD"},
                "exclusions": [
                    {"rule": "served_recently", "kinds": ["livelihood_grant"], "days": 365}
                ],
            },
            source="IOM Iraq appeal 2018: grants for female-headed households",
        )
        _list(grants, builder=builder, approver=approver, built_on=date(2026, 11, 12))
        # This winter's top-up: built today, waiting for the second officer.
        today = timezone.localdate()
        next_winter = _programme(
            actor=builder,
            organisation=iom,
            code="IOM-NFI-W26",
            name_en="Seasonal NFI top-up, winter 2026-27",
            name_ar="مواد غير غذائية موسمية، شتاء 2026-2027",
            name_ckb="کەلوپەلی نا خۆراکی وەرزی، زستانی 2026-2027",
            kind="nfi_top_up",
            modality="in_kind",
            cluster="snfi",
            hrp_project=f"{HRP}-06",
            on=today - timedelta(days=2),
            rules={
                "eligible": {},
                "entitlement": WINTER_KIT,
                "exclusions": [
                    {"rule": "served_recently", "kinds": ["nfi_top_up", "nfi_kit"], "days": 180},
                    {"rule": "served_recently", "kinds": ["sealing_off_kit"], "days": 90},
                    {"rule": "not_with", "kinds": ["rental_subsidy"]},
                ],
            },
            source="IOM Iraq appeal 2018: seasonal NFI top-ups; Shelter/NFI Cluster winter kit",
        )
        pending = _list(next_winter, builder=builder, approver=None, built_on=today)
    excluded = ", ".join(
        f"{rule} {n}"
        for rule, n in sorted(
            _count(ListEntry.objects.filter(list=pending, included=False), "excluded_by").items()
        )
    )
    served = ", ".join(f"{k} {n}" for k, n in sorted(winter_counts.items()))
    demo.write(
        f"Assistance: {Programme.objects.filter(organisation=iom).count()} IOM programmes "
        f"({len(renting)} households registered renting in Mosul, {len(settled)} in an informal "
        f"settlement); winter 2025-26 top-up: {served}; PDM {interviewed} of {sampled} "
        f"interviewed; this winter's list waits for approval ({pending.households} households, "
        f"excluded: {excluded}) ({time.perf_counter() - started:.1f} s)."
    )


def _count(rows: Any, field: str) -> dict[str, int]:
    counted: dict[str, int] = {}
    for value in rows.values_list(field, flat=True):
        counted[value] = counted.get(value, 0) + 1
    return counted


# The organisations and officers are core's; the households the registry's; the sites the sites
# slice's.
SLICE = Slice(name="assistance", load=demo_load, after=("core", "geo", "sites", "registry"))
