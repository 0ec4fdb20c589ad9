"""The benchmark's database world: districts, code-list layouts, organisations, upkeep.

Imported only after ``django.setup()``.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import connection

from bench.synthetic import ORIGIN_PCODES, District, Layout
from nahrain.core import services as core_services
from nahrain.core.models import Organisation, OrganisationType, Role
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.dtm_format import ORIGIN_IN_INDIVIDUALS_FROM_ROUND
from nahrain.displacement.models import (
    AssessmentRound,
    Breakdown,
    LocationAssessment,
    PendingLocationChange,
    Rollup,
    RoundImport,
)
from nahrain.geo.models import AdminUnit

PERIOD_CODES = (
    "pre_jun_2014",
    "jun_jul_2014",
    "aug_2014",
    "post_sep_2014",
    "post_apr_2015",
    "post_mar_2016",
    "post_oct_2016",
    "post_jul_2017",
    "y2018",
)
PASSWORD = "bench password, not secret 7"  # noqa: S105 (a throw-away database)


def districts() -> list[District]:
    """The gazetteer's districts with their governorate's name and a label point."""
    units = AdminUnit.objects.filter(level=2).select_related("parent").order_by("pcode")
    result = []
    for unit in units:
        assert unit.parent is not None and unit.lat is not None and unit.lon is not None
        result.append(
            District(
                pcode=unit.pcode,
                name=unit.name_en,
                governorate=unit.parent.name_en,
                latitude=unit.lat,
                longitude=unit.lon,
            )
        )
    return result


def layout_for(number: int) -> Layout:
    """The columns a master list of this round has: headers from the code lists in force."""
    codes = codes_for_round(number)
    periods = {item.code: item for item in codes.period}
    names = dict(AdminUnit.objects.filter(pcode__in=ORIGIN_PCODES).values_list("pcode", "name_en"))
    return Layout(
        number=number,
        shelter=tuple((item.code, item.label_en) for item in codes.shelter),
        period=tuple((code, periods[code].label_en) for code in PERIOD_CODES),
        origin=tuple((pcode, f"Origin: {names[pcode]}") for pcode in ORIGIN_PCODES),
        origin_unit=("individuals" if number >= ORIGIN_IN_INDIVIDUALS_FROM_ROUND else "households"),
    )


def organisation(acronym: str, name: str) -> Organisation:
    return core_services.organisation_create(
        actor=None, name=name, acronym=acronym, type=OrganisationType.UN_AGENCY
    )


def information_manager(organisation: Organisation, username: str) -> User:
    user = core_services.user_create(username=username, password=PASSWORD, validate=False)
    core_services.membership_add(
        actor=None, user=user, organisation=organisation, role=Role.INFORMATION_MANAGER
    )
    return user


def checkpoint() -> None:
    """Flush the write-ahead log, so that each timed load starts from the same state."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def facts_clear(organisations: list[Organisation]) -> None:
    """Empty the fact, breakdown, rollup and import tables and drop the given organisations'
    rounds: the next series of loads starts from empty tables (the locations stay)."""
    # Tables that point at the import tables go with them (TRUNCATE refuses otherwise).
    tables = [
        PendingLocationChange._meta.db_table,
        Breakdown._meta.db_table,
        LocationAssessment._meta.db_table,
        Rollup._meta.db_table,
        RoundImport._meta.db_table,
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    AssessmentRound.objects.filter(organisation__in=organisations).delete()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("VACUUM")
    checkpoint()


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics, as autovacuum would after a load this size.

    SQLite is left as the application leaves it: nothing in Nahrain runs ANALYZE there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    checkpoint()


def autovacuum_off() -> bool:
    """Whether this is a PostgreSQL server with autovacuum turned off (as on the bench host)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return bool(cursor.fetchone()[0] == "off")


def autoanalyze() -> list[str]:
    """Do what autovacuum's ANALYZE would when the server runs without autovacuum: analyze each
    table whose rows changed since its last analysis by more than autovacuum's threshold
    (``autovacuum_analyze_threshold`` + ``autovacuum_analyze_scale_factor`` times rows).

    Without it, the planner keeps the statistics of the empty tables for the whole history and
    the rollup refresh slows down round after round (see docs/PERFORMANCE.md). Called between
    loads, never inside a timed one. Returns the tables analysed.
    """
    if not autovacuum_off():
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE s.n_mod_since_analyze > "
            "current_setting('autovacuum_analyze_threshold')::float + "
            "current_setting('autovacuum_analyze_scale_factor')::float * GREATEST(c.reltuples, 0)"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
    return tables
