"""The sites slice of ``nahrain demo``: the 49 camps of the round-109 frame with their CCCM
figures, the 2020 closures and Jad'ah 5's 2023 closure with its plan, and every site's
population equal to its newest figure plus the movements since (docs/SITES.md)."""

from __future__ import annotations

import csv
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.models import Q, Sum

from nahrain.displacement import generator
from nahrain.sites import demo
from nahrain.sites.models import (
    Allocation,
    ClosurePlan,
    GovernorateWeek,
    Movement,
    MovementKind,
    MovementPlace,
    PopulationSource,
    Site,
    SiteStatus,
    SiteType,
    SiteWeek,
)

FIELDS = "arrivals_households arrivals_individuals departures_households departures_individuals"


def _demo_setup(folder: Path) -> None:
    # The DTM history is displacement's slice and has tests of its own; sites link to its camp
    # locations only when present.
    with mock.patch.object(generator, "history_generate", return_value=generator.HistoryReport()):
        call_command("demo", "setup", "--boundaries", str(folder))


def _net(site: Site, after: object) -> int:
    moves = Movement.objects.filter(site=site, on__gt=after)
    arrived = moves.filter(kind=MovementKind.ARRIVAL).aggregate(h=Sum("households"))["h"] or 0
    left = moves.filter(kind=MovementKind.DEPARTURE).aggregate(h=Sum("households"))["h"] or 0
    return int(arrived - left)


@pytest.mark.shared_data
def test_the_frame_camps_their_figures_closures_and_rollups(
    db: None, shared: Path, tmp_path: Path
) -> None:
    _demo_setup(tmp_path)
    with (shared / demo.FRAME).open(encoding="utf-8-sig", newline="") as handle:
        frame = {f"{demo.CODE_PREFIX}{r['camp'].upper()}": r for r in csv.DictReader(handle)}
    camps = Site.objects.filter(type=SiteType.CAMP, code__startswith=demo.CODE_PREFIX)
    assert len(frame) == 49
    assert set(camps.values_list("code", flat=True)) == set(frame)
    for camp in camps:
        row = frame[camp.code]
        # The registry's slice turns a few camps into counting by registration: their
        # registered people are a figure of their own, after the CCCM list's.
        cccm = camp.populations.filter(source=PopulationSource.CCCM_ESTIMATE)
        figures = dict(cccm.values_list("on", "households"))
        assert figures == {
            demo.JULY_2019: int(row["Population (July CCCM)"]),
            demo.JANUARY_2020: int(row["Population (Jan CCCM)"]),
        }, camp.code
        if not camp.counts_by_registration:
            assert camp.population_individuals is None  # the list gives households alone
        # The movements between the two lists take the camp from one figure to the other.
        july, january = int(row["Population (July CCCM)"]), int(row["Population (Jan CCCM)"])
        between = _net(camp, demo.JULY_2019) - _net(camp, demo.JANUARY_2020)
        assert july + between == january, camp.code
    jadah5 = camps.get(code=f"{demo.CODE_PREFIX}QAYYARAH.JADAH.5")
    assert (
        frame[jadah5.code]["Population (July CCCM)"],
        frame[jadah5.code]["Population (Jan CCCM)"],
    ) == ("2756", "4526")
    assert jadah5.managing_agency == "IOM"
    consolidation = Movement.objects.filter(
        site=jadah5, transfer__isnull=False, kind=MovementKind.ARRIVAL, on__year=2019
    )
    assert consolidation.aggregate(h=Sum("households"))["h"] == sum(
        t[3] for t in demo.TRANSFERS_2019
    )
    assert camps.get(code=f"{demo.CODE_PREFIX}HAJ.ALI").managing_agency == "IOM"
    assert camps.get(code=f"{demo.CODE_PREFIX}CHAMISHKU").managing_agency == demo.PARTNER

    # Every site: its newest figure plus the movements since; its weeks the movements' sums.
    sites = Site.objects.filter(code__startswith=demo.CODE_PREFIX)
    assert sites.filter(type=SiteType.INFORMAL_SETTLEMENT).count() == 12
    assert sites.filter(type=SiteType.COLLECTIVE_CENTRE).exists()
    for site in sites:
        newest = site.populations.order_by("-on").first()
        assert newest is not None and newest.households is not None
        assert site.population_households == newest.households + _net(site, newest.on), site.code
        assert site.population_households >= 0
        weeks = SiteWeek.objects.filter(site=site).aggregate(*(Sum(f) for f in FIELDS.split()))
        moves = Movement.objects.filter(site=site)
        assert list(weeks.values()) == [
            moves.filter(kind=kind).aggregate(s=Sum(count))["s"]
            for kind in (MovementKind.ARRIVAL, MovementKind.DEPARTURE)
            for count in ("households", "individuals")
        ], site.code
    national = GovernorateWeek.objects.aggregate(*(Sum(f) for f in FIELDS.split()))
    assert list(national.values()) == list(
        SiteWeek.objects.aggregate(*(Sum(f) for f in FIELDS.split())).values()
    )

    # The late-2020 closures: closed that year, empty.
    closed_2020 = sites.filter(status=SiteStatus.CLOSED, closed_on__year=2020)
    assert closed_2020.count() == len(demo.CLOSED_2020)
    assert not closed_2020.exclude(population_households=0).exists()

    # Jad'ah 5: announced at two weeks' notice, closing then closed, its departures linked.
    plan = ClosurePlan.objects.get(site=jadah5)
    assert (plan.planned_on - plan.announced_on).days == 14
    assert jadah5.status == SiteStatus.CLOSED and jadah5.closed_on == plan.planned_on
    assert jadah5.population_households == 0
    steps = list(jadah5.status_changes.values_list("status", "on"))
    assert steps[-2:] == [
        (SiteStatus.CLOSING, plan.announced_on),
        (SiteStatus.CLOSED, plan.planned_on),
    ]
    departures = Movement.objects.filter(closure=plan, kind=MovementKind.DEPARTURE)
    assert departures.aggregate(h=Sum("households"))["h"] == plan.households > 0
    by_place = dict(
        departures.values_list("place").annotate(h=Sum("households")).values_list("place", "h")
    )
    assert by_place[MovementPlace.AREA_OF_ORIGIN] > plan.households / 2
    assert by_place[MovementPlace.OUT_OF_CAMP] > 0 and by_place[MovementPlace.UNKNOWN] > 0
    assert not departures.filter(Q(on__lte=plan.announced_on) | Q(on__gt=plan.planned_on)).exists()

    # Haj Ali's units: occupied ones hold one open allocation each.
    haj_ali = camps.get(code=f"{demo.CODE_PREFIX}HAJ.ALI")
    assert haj_ali.units_total == demo.HAJ_ALI_UNITS
    assert (
        haj_ali.units_occupied
        == Allocation.objects.filter(unit__site=haj_ali, end=None).count()
        > 0
    )


def test_without_the_frame_the_slice_says_so_and_loads_the_other_sites(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with mock.patch.object(demo, "shared_dir", return_value=tmp_path):
        _demo_setup(tmp_path)
    printed = capsys.readouterr().out
    assert f"Sites: {tmp_path / demo.FRAME} not found; no camps from the CCCM list." in printed
    sites = Site.objects.filter(code__startswith=demo.CODE_PREFIX)
    assert not sites.filter(type=SiteType.CAMP).exists()
    assert sites.filter(type=SiteType.INFORMAL_SETTLEMENT).count() == 12
