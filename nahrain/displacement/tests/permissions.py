"""DTM's rows of the permission matrix (nahrain/testing/permissions.py): rounds and their
lifecycle, the synchronous import API, dashboards, exports and movements, with the builders of
the objects they act on (IOM's rounds, each holding a one-place master list). Uploading a master
list through the pages is the intake pipeline's (nahrain/intake/tests/permissions.py)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from nahrain.displacement import services
from nahrain.geo.tests.permissions import gazetteer
from nahrain.testing.permissions import (
    ANY_IM,
    IM,
    NOBODY,
    PUBLIC,
    PUBLISHED,
    SIGNED_IN,
    Builder,
    Decision,
    Target,
    World,
    api,
    page,
)

# --- builders ---------------------------------------------------------------------------------

MASTER_LIST_HEADER = ["Place ID", "Governorate", "District", "Location name", "Families", "Camp"]
MASTER_LIST_ROW = ["9101", "Dahuk", "Zakho", "Zakho centre", "12", "12"]


def master_list_csv(families: int | None = None) -> bytes:
    """A one-place wide-format IDP master list that imports cleanly (``families`` in camp, 12
    unless said)."""
    row = list(MASTER_LIST_ROW)
    if families is not None:
        row[4] = row[5] = str(families)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([MASTER_LIST_HEADER, row])
    return buffer.getvalue().encode()


def imported_round(world: World, number: int = 41, status: str = "draft") -> Any:
    """IOM's round ``number`` holding the one-place master list, taken to ``status``; each
    round counts its own number of families, so that none looks like a copy of another."""

    def make() -> Any:
        gazetteer(world)
        layla = world.personas.layla.user
        assessment_round = services.round_create(
            actor=layla,
            organisation=world.personas.iom,
            number=number,
            reference_date=date(2019, 4, number % 28 + 1),
        )
        services.round_import(
            actor=layla,
            assessment_round=assessment_round,
            data=master_list_csv(families=number),
            file="matrix.csv",
            population="idp",
        )
        if status in ("validated", "published"):
            services.round_validate(actor=layla, assessment_round=assessment_round)
        if status == "published":
            assessment_round = services.round_publish(
                actor=layla, assessment_round=assessment_round
            )
        return assessment_round

    return world.once(f"round {number} {status}", make)


def draft_round(world: World) -> Target:
    """IOM's draft round 41, imported (one place), neither validated nor published."""
    return _round_target(imported_round(world))


def _round_target(assessment_round: Any) -> Target:
    return Target(
        kwargs={"round_uid": assessment_round.uid, "other_uid": assessment_round.uid},
        organisation_id=assessment_round.organisation_id,
        published=assessment_round.status == "published",
    )


def validated_round(world: World) -> Target:
    """IOM's validated round 42, ready to publish."""
    return _round_target(imported_round(world, 42, "validated"))


def published_round(world: World) -> Target:
    """IOM's published round 43, open to every signed-in user."""
    return _round_target(imported_round(world, 43, "published"))


def round_action(world: World) -> Target:
    target = draft_round(world)
    target.kwargs["action"] = "validate"
    return target


def upload_file(world: World) -> Target:
    """The draft round, and a master list to upload to it."""
    target = draft_round(world)
    upload = io.BytesIO(master_list_csv())
    upload.name = "upload.csv"
    target.form = {"file": upload, "population": "idp"}
    return target


def new_round(world: World) -> Target:
    """A round to create for IOM."""
    payload = {
        "organisation_id": str(world.personas.iom.pk),
        "number": 77,
        "reference_date": "2020-01-31",
    }
    return Target(
        json=payload,
        form={"number": "77", "reference_date": "2020-01-31"},
        organisation_id=world.personas.iom.pk,
    )


def new_movement(world: World) -> Target:
    imported_round(world)
    payload = {
        "organisation_id": str(world.personas.iom.pk),
        "event": "matrix",
        "date": "2020-02-01",
        "place_id": MASTER_LIST_ROW[0],
        "population": "idp",
        "direction": "arrival",
        "households": 2,
        "individuals": 9,
    }
    return Target(json=payload, organisation_id=world.personas.iom.pk)


def rounds_in_query(
    *names: str, kwargs: dict[str, Any] | None = None, query: dict[str, str] | None = None
) -> tuple[Builder, Builder]:
    """Builders of the draft and the published round for a dashboard page, which names the
    round in its query string (``?round=<uid>``, or ``?base=...&other=...``) rather than its
    path; ``kwargs`` and ``query`` add the page's own arguments."""

    def of(build: Builder) -> Builder:
        def builder(world: World) -> Target:
            target = build(world)
            uid = str(target.kwargs.pop("round_uid"))
            target.kwargs.pop("other_uid", None)
            target.kwargs.update(kwargs or {})
            target.query.update({name: uid for name in names or ("round",)})
            target.query.update(query or {})
            return target

        builder.__name__ = f"{build.__name__}_in_query"
        return builder

    return of(draft_round), of(published_round)


def map_level(world: World) -> Target:
    gazetteer(world)
    return Target(kwargs={"level": 1})


# --- the rows ---------------------------------------------------------------------------------

ROUNDS = (draft_round, published_round)
EXPORTED = {"GET": "round.export"}
READ_ROUND = IM | PUBLISHED  # drafts: the organisation's IMs; published rounds: everyone
ROUNDS_IN_QUERY = rounds_in_query()
UNIT_OF_ROUNDS = rounds_in_query(kwargs={"pcode": "IQG09"})
UNIT_OF_ROUNDS_TABLE = rounds_in_query(query={"within": "IQG09"})
PLACE_OF_ROUNDS = rounds_in_query(kwargs={"place_id": MASTER_LIST_ROW[0]})
ROUNDS_COMPARED = rounds_in_query("base", "other")

ENDPOINTS: tuple[Decision, ...] = (
    page(
        "displacement:rounds",
        GET=SIGNED_IN,
        POST=ANY_IM,
        build=new_round,
        ok={"POST": 302},
        denied=403,
    ),
    page("displacement:round", GET=READ_ROUND, POST=NOBODY, build=ROUNDS),
    page("displacement:export", GET=READ_ROUND, POST=NOBODY, build=ROUNDS, audit=EXPORTED),
    page("displacement:lifecycle", GET=NOBODY, POST=IM, build=round_action, ok={"POST": 302}),
    page("displacement:publish", GET=IM, POST=IM, build=validated_round, ok={"POST": 302}),
    page("displacement:delete", GET=IM, POST=IM, build=draft_round, ok={"POST": 302}),
    page("displacement:overview", GET=READ_ROUND, POST=NOBODY, build=ROUNDS_IN_QUERY),
    page("displacement:origins", GET=READ_ROUND, POST=NOBODY, build=ROUNDS_IN_QUERY),
    # Published figures are public (a draft named there is not found: test_pages.py).
    page("displacement:public", GET=PUBLIC, POST=NOBODY, build=ROUNDS_IN_QUERY[1]),
    page("displacement:public_export", GET=PUBLIC, POST=NOBODY, build=ROUNDS_IN_QUERY[1]),
    page("displacement:overview_unit", GET=READ_ROUND, POST=NOBODY, build=UNIT_OF_ROUNDS),
    page("displacement:overview_table", GET=READ_ROUND, POST=NOBODY, build=UNIT_OF_ROUNDS_TABLE),
    page("displacement:overview_location", GET=READ_ROUND, POST=NOBODY, build=PLACE_OF_ROUNDS),
    page("displacement:compare", GET=READ_ROUND, POST=NOBODY, build=ROUNDS_COMPARED),
    page("displacement:map_points", GET=READ_ROUND, POST=NOBODY, build=ROUNDS_IN_QUERY),
    # Outlines are reference data, the same for every round.
    page("displacement:map_shapes", GET=SIGNED_IN, POST=NOBODY, build=map_level),
    api("GET /api/v1/dtm/rounds", SIGNED_IN),
    api("POST /api/v1/dtm/rounds", IM, new_round, ok=201),
    api("GET /api/v1/dtm/rounds/{round_uid}", READ_ROUND, ROUNDS),
    api("DELETE /api/v1/dtm/rounds/{round_uid}", IM, draft_round, ok=204),
    api("POST /api/v1/dtm/rounds/{round_uid}/imports", IM, upload_file, ok=201),
    api("POST /api/v1/dtm/rounds/{round_uid}/validate", IM, draft_round),
    api("POST /api/v1/dtm/rounds/{round_uid}/publish", IM, validated_round),
    api("POST /api/v1/dtm/rounds/{round_uid}/correct", IM, published_round, ok=201),
    api("GET /api/v1/dtm/rounds/{round_uid}/figures", READ_ROUND, ROUNDS),
    api("GET /api/v1/dtm/rounds/{round_uid}/totals", READ_ROUND, ROUNDS),
    api("GET /api/v1/dtm/rounds/{round_uid}/locations", READ_ROUND, ROUNDS),
    api("GET /api/v1/dtm/rounds/{round_uid}/export", READ_ROUND, ROUNDS, audit="round.export"),
    api("GET /api/v1/dtm/rounds/{round_uid}/compare/{other_uid}", READ_ROUND, ROUNDS),
    api("GET /api/v1/dtm/rounds/{round_uid}/flows", READ_ROUND, ROUNDS),
    api("GET /api/v1/dtm/series", SIGNED_IN),
    api("POST /api/v1/dtm/movements", IM, new_movement, ok=201),
    api("GET /api/v1/dtm/movements/totals", SIGNED_IN),
)
