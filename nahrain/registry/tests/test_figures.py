"""The registry's figures as people read them: IOM's own staff see exact figures; INTERSOS's
registration officer, karim, gets them with small cells hidden, and nothing in the files, the
API answer or all of them together lets him work a hidden cell out."""

from __future__ import annotations

import csv
import io
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from openpyxl import load_workbook

from nahrain.core.models import AuditEvent
from nahrain.geo.models import AdminUnit
from nahrain.registry import services
from nahrain.registry.models import Household
from nahrain.registry.selectors import figure_cells, population_cells
from nahrain.registry.tests.conftest import family
from nahrain.sites import services as site_services
from nahrain.sites.models import Site, SiteType
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

PAGE = "/registry/figures/"
EXPORT = "/registry/figures/export/"
API = "/api/v1/registry/figures"
SURNAMES = ["الجبوري", "الدليمي", "العبيدي", "الزبيدي", "الشمري", "التميمي", "الخزرجي"]


@pytest.fixture
def iom_registry(personas: Personas, chameshku: Site) -> dict[str, Any]:
    """IOM's registry: seven families in Chameshku (Zakho), two in a camp in Sumail, one out of
    camp in Duhok district: large cells at Chameshku, small ones everywhere else."""
    rania = personas.rania.user
    sumail = site_services.site_create(
        actor=personas.omar.user,
        organisation=personas.iom,
        code="IQ-DHK-KBT",
        name_en="Kabarto",
        type=SiteType.CAMP,
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q03"),
        status_on=date(2014, 10, 1),
    )
    places: list[dict[str, Any]] = [{"site": chameshku}] * 7 + [{"site": sumail}] * 2
    places.append({"admin_unit": AdminUnit.objects.get(pcode="IQG09Q02")})
    for n, place in enumerate(places):
        services.household_register(
            actor=rania,
            organisation=personas.iom,
            registered_on=date(2024, 3, 1),
            members=family(surname_ar=SURNAMES[n % len(SURNAMES)], children=n % 4 + 1),
            key=f"figures-{n}",
            **place,
        )
    return {"chameshku": chameshku, "kabarto": sumail}


def get(personas: Personas, name: str, path: str, **query: Any) -> Any:
    return getattr(personas, name).client().get(path, query)


def api(personas: Personas, name: str, **query: Any) -> Any:
    persona = getattr(personas, name)
    return persona.client().get(API, query, HTTP_AUTHORIZATION=f"Bearer {persona.token()}")


def csv_rows(response: Any) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))


def xlsx_rows(response: Any) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    lines = [list(row) for row in workbook["figures"].iter_rows(values_only=True)]
    about = [list(row) for row in workbook["about"].iter_rows(values_only=True)]
    header = [str(name) for name in lines[0]]
    return [dict(zip(header, line, strict=True)) for line in lines[1:]], about


def number(value: Any) -> int | None:
    return None if value in ("", None) else int(value)


# --- the attacker ----------------------------------------------------------------------------


class Attacker:
    """Everything a reader learns from published figures, as linear equations over the true
    counts of each site and place out of camp; a count is recovered when the equations fix
    it (Gaussian elimination over the rationals)."""

    def __init__(self) -> None:
        self.unknowns: dict[tuple[str, str], int] = {}
        self.equations: list[tuple[dict[tuple[str, str], int], int]] = []
        self.known: dict[tuple[str, str], int] = {}

    def learn(self, places: list[str], cell: str, value: int | None) -> None:
        """The sum of one cell over some places, when published."""
        if value is not None:
            self.equations.append(({(place, cell): 1 for place in places}, value))

    def identity(self, place: str) -> None:
        """What every reader knows: a place's individuals are the sum of its sex and age cells."""
        terms = {(place, cell): 1 for cell in population_cells()}
        terms[(place, "individuals")] = -1
        self.equations.append((terms, 0))

    def recovered(self) -> set[tuple[str, str]]:
        variables = sorted({key for terms, _ in self.equations for key in terms})
        index = {key: n for n, key in enumerate(variables)}
        rows = []
        for terms, value in self.equations:
            row = [Fraction(0)] * (len(variables) + 1)
            for key, factor in terms.items():
                row[index[key]] += factor
            row[-1] = Fraction(value)
            rows.append(row)
        reduced = _reduce(rows, len(variables))
        found = set()
        for row in reduced:
            lead = [n for n in range(len(variables)) if row[n]]
            if len(lead) == 1:
                found.add(variables[lead[0]])
        return found


def _reduce(rows: list[list[Fraction]], width: int) -> list[list[Fraction]]:
    """Reduced row echelon form: a variable is fixed when a row holds it alone."""
    rows = [list(row) for row in rows]
    pivot_row = 0
    for column in range(width):
        pivot = next((r for r in range(pivot_row, len(rows)) if rows[r][column]), None)
        if pivot is None:
            continue
        rows[pivot_row], rows[pivot] = rows[pivot], rows[pivot_row]
        lead = rows[pivot_row][column]
        rows[pivot_row] = [value / lead for value in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][column]:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivot_row += 1
    return rows[:pivot_row]


def site_level_learn(attacker: Attacker, rows: list[dict[str, Any]]) -> list[str]:
    """Learn a site-level file: each place's cells and the total row. Returns the places."""
    places = [row["place_code"] for row in rows[:-1]]
    for row in rows[:-1]:
        attacker.identity(row["place_code"])
        for cell in figure_cells():
            attacker.learn([row["place_code"]], cell, number(row[cell]))
    for cell in figure_cells():
        attacker.learn(places, cell, number(rows[-1][cell]))
    return places


def hidden_cells(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {
        (row["place_code"], cell)
        for row in rows[:-1]
        for cell in figure_cells()
        if number(row[cell]) is None
    }


# --- the tests -------------------------------------------------------------------------------


def test_karims_download_hides_small_cells_and_none_can_be_worked_out(
    personas: Personas, iom_registry: dict[str, Any]
) -> None:
    organisation = str(personas.iom.pk)
    response = get(personas, "karim", EXPORT, organisation=organisation, format="csv")
    assert response.status_code == 200
    rows = csv_rows(response)
    assert [row["place_code"] for row in rows] == ["IQG09Q02", "IQ-DHK-KBT", "IQ-DHK-CHM", ""]
    hidden = hidden_cells(rows)
    # Every count from 1 to 4 is hidden, the others are the truth.
    exact = csv_rows(get(personas, "rania", EXPORT, organisation=organisation, format="csv"))
    for published, truth in zip(rows, exact, strict=True):
        for cell in ("households", "individuals", *figure_cells()):
            value = number(truth[cell])
            assert number(published[cell]) in (None, value)
            if value is not None and 0 < value < 5:
                assert number(published[cell]) is None
    assert ("IQG09Q02", "households") in hidden and ("IQ-DHK-CHM", "households") not in hidden

    # Karim downloads everything: the site, district and governorate files, the XLSX and the
    # API's answers, and solves the equations of all of them together.
    attacker = Attacker()
    places = site_level_learn(attacker, rows)
    xlsx, _about = xlsx_rows(
        get(personas, "karim", EXPORT, organisation=organisation, format="xlsx")
    )
    assert site_level_learn(attacker, xlsx) == places
    by_district = {"IQG09Q02": ["IQG09Q02"], "IQG09Q03": ["IQ-DHK-KBT"], "IQG09Q04": ["IQ-DHK-CHM"]}
    for level in ("district", "governorate"):
        coarse = csv_rows(
            get(personas, "karim", EXPORT, organisation=organisation, format="hxl", level=level)
        )
        assert coarse[0]["adm1_pcode"] == "#adm1+code"  # the HXL tags' row
        for row in coarse[1:-1]:
            members = places if level == "governorate" else by_district[row["adm2_pcode"]]
            for cell in figure_cells():
                attacker.learn(members, cell, number(row[cell]))
    answer = api(personas, "karim", organisation=organisation).json()
    assert answer["suppressed"] is True
    for place in answer["places"]:
        code = place["site_code"] or place["admin_unit_pcode"]
        for cell, value in place["cells"].items():
            attacker.learn([code], cell, value)
    recovered = attacker.recovered() & hidden
    assert hidden and not recovered, f"recovered from the published figures: {recovered}"


def test_iom_staff_read_exact_figures_that_no_cache_keeps(
    personas: Personas, iom_registry: dict[str, Any]
) -> None:
    organisation = str(personas.iom.pk)
    for name in ("rania", "layla"):
        response = get(personas, name, EXPORT, organisation=organisation, format="csv")
        assert "no-store" in response["Cache-Control"]
        rows = csv_rows(response)
        assert all(number(row[cell]) is not None for row in rows for cell in figure_cells())
    total = rows[-1]
    assert number(total["households"]) == Household.objects.filter(status="active").count()
    assert number(total["individuals"]) == 43  # ten couples and 23 children
    assert number(total["m_18_59"]) == 10 and number(total["f_18_59"]) == 10
    assert number(total["doc_pds_card"]) == 10  # every head misses his PDS card
    answer = api(personas, "layla", organisation=organisation, level="governorate").json()
    assert answer["suppressed"] is False
    assert [p["governorate_pcode"] for p in answer["places"]] == ["IQG09"]
    assert answer["places"][0]["cells"]["individuals"] == 43 == answer["totals"]["individuals"]


def test_the_page_shows_hidden_cells_in_words_and_a_pyramid(
    personas: Personas, iom_registry: dict[str, Any]
) -> None:
    organisation = str(personas.iom.pk)
    page = get(personas, "karim", PAGE, organisation=organisation).content.decode()
    assert "data-suppressed" in page and page.count("data-hidden") > 10
    assert "&lt;5 or hidden" in page and "Fewer than 5, or hidden" in page
    assert "Chameshku (IQ-DHK-CHM)" in page and "Out of camp: Duhok" in page
    assert "data-pyramid" in page and "60+" in page
    own = get(personas, "omar", PAGE, organisation=organisation, level="district").content
    assert b"data-exact" in own and b"data-hidden" not in own
    assert b"Zakho, Duhok" in own and b"Sumail, Duhok" in own


def test_every_download_is_audited_without_personal_values(
    personas: Personas, iom_registry: dict[str, Any]
) -> None:
    get(personas, "karim", EXPORT, organisation=str(personas.iom.pk), format="xlsx")
    event = AuditEvent.objects.get(action="registry.figures_export")
    assert event.actor == personas.karim.user and event.organisation == personas.iom
    assert event.detail == {
        "format": "xlsx",
        "level": "site",
        "within": "",
        "places": 3,
        "suppressed": True,
    }


def test_an_area_reads_as_the_sum_of_its_published_places(
    personas: Personas, iom_registry: dict[str, Any]
) -> None:
    """Within Duhok governorate the totals are the published places' sums, hidden where a part
    is; within a district of another governorate there is nothing."""
    organisation = str(personas.iom.pk)
    whole = api(personas, "ahmed", organisation=organisation).json()
    within = api(personas, "ahmed", organisation=organisation, within="IQG09").json()
    assert within["places"] == whole["places"]
    for cell in figure_cells():
        parts = [place["cells"][cell] for place in whole["places"]]
        assert within["totals"][cell] == (None if None in parts else sum(parts))
    empty = api(personas, "ahmed", organisation=organisation, within="IQG10Q01").json()
    assert empty["places"] == [] and empty["totals"]["individuals"] == 0


def test_an_unknown_organisation_level_area_or_format_is_not_found(
    personas: Personas, iom_registry: dict[str, Any]
) -> None:
    organisation = str(personas.iom.pk)
    assert get(personas, "karim", PAGE, organisation="nope").status_code == 404
    assert get(personas, "karim", PAGE, organisation=organisation, level="x").status_code == 404
    assert get(personas, "karim", PAGE, organisation=organisation, within="X").status_code == 404
    assert (
        get(personas, "karim", EXPORT, organisation=organisation, format="pdf").status_code == 404
    )
    assert api(personas, "karim", organisation=organisation, within="X").status_code == 404
    assert b"IOM" in get(personas, "karim", PAGE).content  # the choice of organisations


def test_the_suppressed_figures_are_kept_by_the_readers_browser_alone(
    personas: Personas, iom_registry: dict[str, Any]
) -> None:
    """Outside IOM the same address answers with small cells hidden: no shared cache may keep
    that answer (nor hand it to anyone else)."""
    organisation = str(personas.iom.pk)
    answers = [
        get(personas, "karim", EXPORT, organisation=organisation, format="csv"),
        api(personas, "karim", organisation=organisation),
    ]
    for response in answers:
        assert "private" in response["Cache-Control"]
        assert {"Cookie", "Authorization"} <= {v.strip() for v in response["Vary"].split(",")}
