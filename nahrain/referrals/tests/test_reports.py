"""The response-wide reports of referral pathways and cases, as every signed-in reader gets them:
small counts hidden (GBV and MHPSS below 10, the rest below 5), for zainab who holds the GBV
cases as for anyone; totals shown only when nothing hidden can be worked out from them; medians
only where enough referrals stand behind them. A property test holds every report the counts
can make to the promise: no hidden figure can be worked out from the figures shown."""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from nahrain.referrals import case_services, codelists, reports, services
from nahrain.referrals.models import Referral, ReferralEvent
from nahrain.referrals.services import PersonIn
from nahrain.referrals.tests import builders
from nahrain.testing.personas import Personas

PAGE = "/cases/reports/"
API = "/api/v1/cases/reports"


def api_report(personas: Personas, name: str) -> Any:
    persona = getattr(personas, name)
    response = persona.client().get(API, HTTP_AUTHORIZATION=f"Bearer {persona.token()}")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" not in response["Cache-Control"]
    return response.json()


def open_cases(personas: Personas, case_type: str, count: int, *, closed: int = 0) -> None:
    who = {
        "gbv": personas.zainab,
        "mhpss": personas.dilan,
        "child_protection": personas.shilan,
        "legal_documentation": personas.shilan,
    }[case_type]
    organisation = personas.dama if case_type == "mhpss" else personas.intersos
    for n in range(count):
        case = case_services.case_open(
            actor=who.user,
            organisation=organisation,
            case_type=case_type,
            person=PersonIn(sex="f", age=20 + n),
        )
        if n < closed:
            reason = {"gbv": "needs_met", "mhpss": "needs_met"}.get(case_type, "relocated")
            case_services.case_entry_add(
                actor=who.user, case=case, kind="closure", answers={"closure_reason": reason}
            )


def by_code(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["code"]: line for line in lines}


# --- cases ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nine_gbv_cases_are_never_shown_ten_are(personas: Personas) -> None:
    open_cases(personas, "gbv", 9)
    open_cases(personas, "child_protection", 12)
    open_cases(personas, "legal_documentation", 6, closed=1)
    for name in ("zainab", "intersos_admin", "layla", "root"):
        report = api_report(personas, name)
        assert report["suppressed"] is True
        cases = by_code(report["cases_by_type"])
        # Nine GBV cases: hidden for everyone, the organisation holding them and zainab too;
        # and so is every total they would give away.
        assert cases["gbv"]["values"] == {"open": None, "closed": 0}
        assert cases["gbv"]["total"] is None and cases["gbv"]["threshold"] == 10
        assert cases["mhpss"]["values"] == {"open": 0, "closed": 0}
        assert cases["child_protection"]["values"] == {"open": 12, "closed": 0}
        assert cases["legal_documentation"]["values"] == {"open": None, "closed": None}
        assert report["case_totals"]["all"] is None and report["case_totals"]["open"] is None
        assert 9 not in _numbers(report["cases_by_type"]) + _numbers(report["case_totals"])

    page = personas.zainab.client().get(PAGE)
    assert page.status_code == 200
    assert "private" in page["Cache-Control"] and "no-store" not in page["Cache-Control"]
    assert "Cookie" in page["Vary"]
    gbv_row = re.search(r'<tr data-type="gbv">(.*?)</tr>', page.content.decode(), re.S)
    assert gbv_row is not None
    assert "data-hidden" in gbv_row.group(1) and ">9<" not in gbv_row.group(1)

    open_cases(personas, "gbv", 1)
    cases = by_code(api_report(personas, "layla")["cases_by_type"])
    assert cases["gbv"]["values"] == {"open": 10, "closed": 0} and cases["gbv"]["total"] == 10


@pytest.mark.django_db
def test_totals_are_shown_when_nothing_hidden_can_be_worked_out_of_them(
    personas: Personas,
) -> None:
    open_cases(personas, "child_protection", 7, closed=2)
    open_cases(personas, "legal_documentation", 8, closed=5)
    open_cases(personas, "mhpss", 12, closed=10)
    report = api_report(personas, "ahmed")
    cases = by_code(report["cases_by_type"])
    # Two closed child-protection cases and three open legal-documentation ones are hidden, and
    # so are the counts beside them that would give them away; the types' totals are shown.
    assert (cases["child_protection"]["values"], cases["child_protection"]["total"]) == (
        {"open": None, "closed": None},
        7,
    )
    assert (cases["legal_documentation"]["values"], cases["legal_documentation"]["total"]) == (
        {"open": None, "closed": None},
        8,
    )
    # Two open MHPSS cases (below 10) are hidden, and the ten closed beside them; the twelve
    # MHPSS cases are shown, and so are the 27 cases of every type.
    assert (cases["mhpss"]["values"], cases["mhpss"]["total"]) == (
        {"open": None, "closed": None},
        12,
    )
    assert report["case_totals"] == {"open": None, "closed": None, "all": 27}
    assert _attack_cases(report) == set()


def _numbers(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


# --- referral pathways --------------------------------------------------------------------------


def _send(
    personas: Personas, sender: Any, organisation: Any, point: Any, service: str, n: int
) -> list[Referral]:
    return [
        builders.refer(
            sender.user,
            organisation,
            point,
            service,
            person=builders.adult(f"Person {service} {i}"),
        )
        for i in range(n)
    ]


def _step(referral: Referral, *statuses: str, decline_reason: str = "") -> None:
    """The steps the receiving service and the sender took, written as ``referral_step``
    writes them (its row lock cannot be taken on PostgreSQL: see the report of this branch)."""
    for status in statuses:
        ReferralEvent.objects.create(
            referral=referral,
            status=status,
            actor=referral.referred_by,
            organisation=referral.to_organisation,
        )
        changes: dict[str, Any] = {"status": status}
        if status in services.RECEIVER_STEPS:
            referral.refresh_from_db()
            changes["responded_at"] = referral.responded_at or timezone.now()
        if status == "declined":
            changes["decline_reason"] = decline_reason
        Referral.objects.filter(pk=referral.pk).update(**changes)


@pytest.mark.django_db
def test_referral_pathways_by_service_and_receiving_organisation(personas: Personas) -> None:
    points = builders.standard_points(personas)
    phc = _send(personas, personas.rania, personas.iom, points["phcc"], "phc", 12)
    legal = _send(personas, personas.rania, personas.iom, points["legal"], "legal_aid", 3)
    _send(personas, personas.dilan, personas.dama, points["wgss"], "gbv_case_management", 9)
    for n, referral in enumerate(phc, start=1):
        _step(referral, "acknowledged")
        if n <= 6:
            _step(referral, "accepted", "provided", "closed")
        else:
            _step(referral, "declined", decline_reason="no_capacity")
    # The times, as they were: sent a month ago, answered n hours later, accepted 2n hours
    # later, the service provided 24n hours later.
    start = timezone.now() - timedelta(days=30)
    for n, referral in enumerate(phc, start=1):
        Referral.objects.filter(pk=referral.pk).update(
            sent_at=start, responded_at=start + timedelta(hours=n)
        )
        events = ReferralEvent.objects.filter(referral=referral)
        events.filter(status="accepted").update(at=start + timedelta(hours=2 * n))
        events.filter(status="provided").update(at=start + timedelta(hours=24 * n))
    Referral.objects.filter(pk__in=[r.pk for r in legal]).update(
        respond_by=timezone.now() - timedelta(hours=1)
    )

    report = api_report(personas, "outsider")
    rows = {(row["service"], row["organisation"]): row for row in report["pathway"]}
    # Only the pairs whose referrals sent are shown are listed: three to legal aid and nine
    # to GBV case management are not, so nobody learns that INTERSOS received any.
    assert set(rows) == {("phc", "DAMA")}
    assert rows[("phc", "DAMA")] == {
        "service": "phc",
        "organisation": "DAMA",
        "threshold": 5,
        "sent": 12,
        "open": 0,
        "overdue": 0,
        "on_time": 0,
        "closed": 6,
        "declined": 6,
        "lost": 0,
        "withdrawn": 0,
        "median_hours_to_acknowledge": 6.5,
        "median_hours_to_accept": 7.0,
        "median_hours_to_provide": 84.0,
        "share_closed": 0.5,
        "share_declined": 0.5,
        "share_lost": 0.0,
    }
    sent = by_code(report["sent_by_service"])
    assert (sent["phc"]["total"], sent["legal_aid"]["total"]) == (12, None)
    assert sent["gbv_case_management"]["total"] is None
    assert report["sent_total"] is None
    receivers = by_code(report["sent_by_organisation"])
    assert (receivers["DAMA"]["total"], receivers["INTERSOS"]["total"]) == (12, None)
    opened = by_code(report["open_by_service"])
    assert opened["legal_aid"]["values"]["overdue"] is None
    assert opened["gbv_case_management"]["total"] is None
    assert opened["education"]["total"] == 0
    assert 9 not in _numbers(report) and 3 not in _numbers(
        {k: v for k, v in report.items() if k != "pathway"}
    )

    page = personas.outsider.client().get(PAGE).content.decode()
    phc_row = re.search(r'<tr data-service="phc">(.*?)</tr>', page, re.S)
    assert phc_row is not None and "84.0" in phc_row.group(1) and "50.0%" in phc_row.group(1)
    assert 'data-status="withdrawn"' in phc_row.group(1)
    pathway_table = re.search(r"<table class=\"data\" data-pathway>(.*?)</table>", page, re.S)
    assert pathway_table is not None and 'data-service="legal_aid"' not in pathway_table.group(1)
    assert "Primary health care" in page


@pytest.mark.django_db
def test_a_median_of_too_few_referrals_is_not_shown(personas: Personas) -> None:
    points = builders.standard_points(personas)
    phc = _send(personas, personas.rania, personas.iom, points["phcc"], "phc", 6)
    for referral in phc[:4]:
        _step(referral, "acknowledged")
    report = api_report(personas, "layla")
    (row,) = report["pathway"]
    assert row["sent"] == 6
    # Four acknowledged: fewer than five, so no median of them.
    assert row["median_hours_to_acknowledge"] is None


@pytest.mark.django_db
def test_the_reports_are_for_signed_in_readers(personas: Personas) -> None:
    from django.test import Client

    assert Client().get(API).status_code == 401
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    page = personas.root.client().get(PAGE)
    assert page.status_code == 200 and "no-store" not in page["Cache-Control"]


# --- the property: nothing hidden can be worked out -------------------------------------------


class Attacker:
    """What a reader learns from a report: equations over the true counts. A hidden figure is
    worked out when its sum lies in the span of the equations (Gaussian elimination over the
    rationals)."""

    def __init__(self) -> None:
        self.equations: list[dict[Any, int]] = []
        self.hidden: list[dict[Any, int]] = []

    def learn(self, cells: list[Any], value: int | None) -> None:
        terms = {cell: 1 for cell in cells}
        if value is None:
            self.hidden.append(terms)
        else:
            self.equations.append(terms)

    def worked_out(self) -> list[dict[Any, int]]:
        variables = sorted({k for terms in self.equations + self.hidden for k in terms}, key=str)
        index = {key: n for n, key in enumerate(variables)}

        def vector(terms: dict[Any, int]) -> list[Fraction]:
            row = [Fraction(0)] * len(variables)
            for key, factor in terms.items():
                row[index[key]] += factor
            return row

        basis: list[tuple[int, list[Fraction]]] = []  # (pivot, row), reduced
        for terms in self.equations:
            row = _reduce(vector(terms), basis)
            pivot = next((n for n, value in enumerate(row) if value), None)
            if pivot is not None:
                row = [value / row[pivot] for value in row]
                basis = [(p, _eliminate(b, row, pivot)) for p, b in basis]
                basis.append((pivot, row))
        return [terms for terms in self.hidden if not any(_reduce(vector(terms), basis))]


def _eliminate(row: list[Fraction], by: list[Fraction], pivot: int) -> list[Fraction]:
    factor = row[pivot]
    return [a - factor * b for a, b in zip(row, by, strict=True)] if factor else row


def _reduce(row: list[Fraction], basis: list[tuple[int, list[Fraction]]]) -> list[Fraction]:
    for pivot, by in basis:
        row = _eliminate(row, by, pivot)
    return row


def _attack_pathway(
    made: reports.Report,
    truth: dict[tuple[str, str], reports.PathwayCounts],
    services: list[str],
    organisations: list[str],
) -> list[dict[Any, int]]:
    """What a reader works out of the pathway and open tables, which are one grid: a cell for
    each service, organisation and status now (open overdue, open on time, closed, declined,
    lost, withdrawn). A pair not listed is not known to be none. Besides every figure shown as
    hidden, each pair's referrals sent, open and not open that are a small count must not be
    worked out (12 sent and 10 open would give 2 not open away)."""
    attacker = Attacker()
    columns = reports.STATUS_COLUMNS

    def cells(service: str, organisation: str, of: tuple[str, ...] = columns) -> list[Any]:
        return [(service, organisation, c) for c in of]

    listed = {(row.service, row.organisation_id): row for row in made.pathway}
    for (service, organisation), row in listed.items():
        attacker.learn(cells(service, organisation), row.sent)
        for name, value in row.statuses.items():
            of = reports.OPEN_COLUMNS if name == "open" else (name,)
            attacker.learn(cells(service, organisation, of), value)
    for line in made.sent_by_service:
        attacker.learn([x for o in organisations for x in cells(line.code, o)], line.total)
    for line in made.sent_by_organisation:
        attacker.learn([x for s in services for x in cells(s, line.code)], line.total)
    everything = [x for s in services for o in organisations for x in cells(s, o)]
    attacker.learn(everything, made.sent_total)
    for line in made.open_by_service:
        if line.code not in services:
            continue
        for name, value in line.values.items():
            attacker.learn([x for o in organisations for x in cells(line.code, o, (name,))], value)
        open_cells = [x for o in organisations for x in cells(line.code, o, reports.OPEN_COLUMNS)]
        attacker.learn(open_cells, line.total)
    open_all = [
        x for s in services for o in organisations for x in cells(s, o, reports.OPEN_COLUMNS)
    ]
    attacker.learn(open_all, made.open_totals["open"])
    overdue_all = [x for s in services for o in organisations for x in cells(s, o, ("overdue",))]
    attacker.learn(overdue_all, made.open_totals["overdue"])
    # A hidden figure worked out is a leak where it is a small count: a sum hidden because a
    # part of it is (derived_total) may be worked out when it is not small (5 sent, none
    # closed: 5 open), which says nothing a shown count does not.
    value_of: dict[Any, int] = {
        (s, o, c): getattr(found, c) for (s, o), found in truth.items() for c in columns
    }

    def small(terms: dict[Any, int]) -> bool:
        total = sum(value_of.get(cell, 0) for cell in terms)
        return 0 < total < max(reports.service_threshold(c[0]) for c in terms)

    attacker.hidden = [terms for terms in attacker.hidden if small(terms)]
    for (service, organisation), found in truth.items():
        threshold = reports.service_threshold(service)
        opened = found.overdue + found.on_time
        unlisted = (service, organisation) not in listed
        figures: list[tuple[tuple[str, ...], int, bool]] = [
            (columns, found.sent, unlisted),
            (reports.OPEN_COLUMNS, opened, False),
            (reports.CLOSED_COLUMNS, found.sent - opened, False),
        ]
        for statuses, count, at_all in figures:
            if 0 < count < threshold or (at_all and count):
                attacker.hidden.append({x: 1 for x in cells(service, organisation, statuses)})
    return attacker.worked_out()


def _attack_two_columns(
    lines: list[dict[str, Any]], totals: dict[str, int | None], columns: tuple[str, str], all_: str
) -> list[dict[Any, int]]:
    attacker = Attacker()
    codes = [line["code"] for line in lines]
    for line in lines:
        for column in columns:
            attacker.learn([(line["code"], column)], line["values"][column])
        attacker.learn([(line["code"], c) for c in columns], line["total"])
    for column in columns:
        if column in totals:
            attacker.learn([(code, column) for code in codes], totals[column])
    attacker.learn([(code, c) for code in codes for c in columns], totals[all_])
    return attacker.worked_out()


def _attack_cases(report: dict[str, Any]) -> set[str]:
    found = _attack_two_columns(
        report["cases_by_type"], report["case_totals"], reports.CASE_COLUMNS, "all"
    )
    return {str(terms) for terms in found}


SERVICES = ["phc", "legal_aid", "gbv_case_management", "mhpss_counselling", "cash"]
ORGANISATIONS = ["DAMA", "INTERSOS", "IOM"]
small = st.one_of(st.integers(0, 12), st.integers(0, 40))


@st.composite
def counts(draw: Any) -> dict[str, Any]:
    pathway = {}
    for service in SERVICES:
        for organisation in ORGANISATIONS:
            if draw(st.booleans()):
                pathway[(service, organisation)] = reports.PathwayCounts(
                    **{c: draw(st.one_of(st.just(0), small)) for c in reports.STATUS_COLUMNS}
                )
    cases = {
        case_type: {"open": draw(small), "closed": draw(small)}
        for case_type in codelists.codes("case_types")
    }
    return {"pathway": pathway, "cases": cases}


def _made(pathway: dict[tuple[str, str], reports.PathwayCounts], cases: Any) -> reports.Report:
    return reports.report_from_counts(
        pathway=pathway,
        medians={
            key: {m: reports.Median(1.0, found.sent) for m in reports.MEDIANS}
            for key, found in pathway.items()
        },
        cases=cases,
        organisation_order=ORGANISATIONS,
        as_of=timezone.now(),
    )


@settings(max_examples=80, deadline=None)
@given(counts())
def test_no_hidden_figure_of_a_report_can_be_worked_out_from_the_totals(
    drawn: dict[str, Any],
) -> None:
    made = _made(drawn["pathway"], drawn["cases"])
    assert _attack_pathway(made, drawn["pathway"], SERVICES, ORGANISATIONS) == []
    case_lines = [line.__dict__ for line in made.cases_by_type]
    assert _attack_two_columns(case_lines, made.case_totals, reports.CASE_COLUMNS, "all") == []

    # Every count below its threshold is hidden; the statuses partition the referrals sent;
    # a median or share only beside the counts it comes from, shown.
    for row in made.pathway:
        truth = drawn["pathway"][(row.service, row.organisation_id)]
        assert row.sent == truth.sent and truth.sent >= row.threshold
        for name, value in row.statuses.items():
            true_value = truth.overdue + truth.on_time if name == "open" else getattr(truth, name)
            assert value in (None, true_value)
            assert not (value is not None and 0 < value < row.threshold)
        for name, share in row.shares.items():
            if share is not None:
                assert row.statuses[name] is not None
    for line in made.cases_by_type:
        for column, value in line.values.items():
            truth_value = drawn["cases"][line.code][column]
            assert value in (None, truth_value)
            assert not (value is not None and 0 < value < line.threshold)


def test_twelve_gbv_referrals_sent_ten_open_do_not_give_the_other_two_away() -> None:
    """The review's example: 12 GBV referrals sent to one organisation, 10 open; the 2 others
    (one declined, one withdrawn) cannot be worked out, nor that they were declined or
    withdrawn."""
    pathway = {
        ("gbv_case_management", "INTERSOS"): reports.PathwayCounts(
            on_time=10, declined=1, withdrawn=1
        ),
        ("phc", "DAMA"): reports.PathwayCounts(on_time=20, closed=15),
    }
    made = _made(pathway, {})
    assert _attack_pathway(made, pathway, SERVICES, ORGANISATIONS) == []
    rows = {(row.service, row.organisation_id): row for row in made.pathway}
    gbv = rows.get(("gbv_case_management", "INTERSOS"))
    if gbv is not None:  # 12 sent shown: then not the 10 open, nor the declined or withdrawn
        assert gbv.sent == 12 and gbv.statuses["open"] is None
        assert gbv.statuses["declined"] is None and gbv.statuses["withdrawn"] is None
        assert set(gbv.shares.values()) <= {None, 0.0}
    sent = {line.code: line.total for line in made.sent_by_service}
    opened = {line.code: line.total for line in made.open_by_service}
    assert sent["gbv_case_management"] is None or opened["gbv_case_management"] is None
    # The old way, each table suppressed apart, published both and so gave the 2 away.
    attacker = Attacker()
    cells = [("gbv", c) for c in reports.STATUS_COLUMNS]
    attacker.learn(cells, 12)
    attacker.learn(cells[:2], 10)
    attacker.hidden.append({cell: 1 for cell in cells[2:]})
    assert attacker.worked_out() != []
