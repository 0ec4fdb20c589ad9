"""The CCCM field forms, as ``collect`` form handlers: the movement log (arrivals and departures
of a site) and the headcount. Their site list is the organisation's own sites; accepting a
movement log records it with the submission's instance id as its key, so that a form sent twice
(or accepted twice) counts once; a headcount resent replaces its own figure (one figure per
site, day and source)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from nahrain.collect.handlers import AcceptFn, FormHandler, MediaFn, NotAcceptable, register
from nahrain.core.problems import Problem
from nahrain.geo.models import AdminUnit
from nahrain.sites import services
from nahrain.sites.models import LIVED_IN, PopulationSource, Site

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from nahrain.collect.models import Submission

XLSFORMS = Path(__file__).resolve().parent / "xlsforms"


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _names(*names: str) -> str:
    """Each language's name once: a CSV itemset has a single label column."""
    return " / ".join(dict.fromkeys(n for n in names if n))


def media_files(*, organisation_id: Any) -> dict[str, bytes]:
    """The organisation's sites people live in (``name`` is the site code) and the
    governorates (``name`` is the p-code), as the forms load them."""
    sites = Site.objects.filter(organisation_id=organisation_id, status__in=LIVED_IN).order_by(
        "name_en"
    )
    governorates = AdminUnit.objects.filter(level=1).order_by("name_en")
    return {
        "sites.csv": _csv(
            [["name", "label"]]
            + [[s.code, f"{_names(s.name_en, s.name_ar, s.name_ckb)} ({s.code})"] for s in sites]
        ),
        "governorates.csv": _csv(
            [["name", "label"]]
            + [
                [g.pcode, _names(g.name_en, g.name_ar, g.name_ckb)]
                for g in governorates.only("pcode", "name_en", "name_ar", "name_ckb")
            ]
        ),
    }


def _media(organisation_id: Any) -> dict[str, bytes]:
    return media_files(organisation_id=organisation_id)


def _sites_media(organisation_id: Any) -> dict[str, bytes]:
    """The headcount asks for the site alone."""
    return {"sites.csv": media_files(organisation_id=organisation_id)["sites.csv"]}


def _read(submission: Submission, file: str) -> tuple[Site, date, dict[str, int | None]]:
    """The site, the day and the counts of a submission, or NotAcceptable naming the field."""
    values = submission.data
    problems: list[Problem] = []
    site = Site.objects.filter(
        organisation_id=submission.organisation_id, code=str(values.get("site", ""))
    ).first()
    if site is None:
        problems.append(Problem(file, None, "site", "unknown_site", "not one of your sites"))
    counts: dict[str, int | None] = {}
    for name in ("households", "individuals"):
        text = str(values.get(name, "") or "").strip()
        try:
            counts[name] = int(text) if text else None
        except ValueError:
            problems.append(Problem(file, None, name, "non_integer", f"{text!r} is not a number"))
    try:
        day = date.fromisoformat(str(values.get("date", "")))
    except ValueError:
        problems.append(Problem(file, None, "date", "invalid", "not a date"))
    if problems:
        raise NotAcceptable(problems)
    assert site is not None
    return site, day, counts


def _refused(file: str, invalid: ValidationError) -> NotAcceptable:
    return NotAcceptable([Problem(file, None, "", "refused", " ".join(invalid.messages))])


def _accept_movement(actor: User, submission: Submission, file: str) -> dict[str, str]:
    """Record the arrival or departure under the submission's instance id: accepted again (or
    a copy sent by a second phone), it is the same movement. An edit of an accepted log is
    refused: movements are corrected on the site's page, where the rollups are kept."""
    if submission.deprecated is not None and submission.deprecated.accepted.get("movement"):
        raise NotAcceptable(
            [Problem(file, None, "", "edited", "the movement was accepted already")]
        )
    site, day, counts = _read(submission, file)
    if counts["households"] is None or counts["individuals"] is None:
        # A log without its counts is not a movement of nobody: it is refused, to be completed.
        raise NotAcceptable(
            [Problem(file, None, "households", "required", "households and individuals are needed")]
        )
    values = submission.data
    governorate = AdminUnit.objects.filter(
        level=1, pcode=str(values.get("governorate", "") or "")
    ).first()
    try:
        movement = services.movement_record(
            actor=actor,
            site=site,
            kind=str(values.get("kind", "")),
            on=day,
            households=counts["households"],
            individuals=counts["individuals"],
            place=str(values.get("place", "") or "unknown"),
            admin_unit=governorate,
            reason=str(values.get("reason", "") or "")[:40],
            key=submission.instance_id,
        )
    except ValidationError as invalid:
        raise _refused(file, invalid) from invalid
    return {"movement": str(movement.uid)}


def _accept_headcount(actor: User, submission: Submission, file: str) -> dict[str, str]:
    """The site's headcount of that day (the same day's headcount sent again replaces it)."""
    site, day, counts = _read(submission, file)
    try:
        services.population_record(
            actor=actor,
            site=site,
            on=day,
            source=PopulationSource.HEADCOUNT,
            individuals=counts["individuals"],
            households=counts["households"],
            note=f"form {submission.instance_id}"[:200],
        )
    except ValidationError as invalid:
        raise _refused(file, invalid) from invalid
    return {"site": str(site.uid)}


def _handler(form_id: str, accept: AcceptFn, media: MediaFn) -> FormHandler:
    """A CCCM form, its XLSForm named after it."""
    return FormHandler(
        form_id=form_id, xlsform=XLSFORMS / f"{form_id}.md", media=media, accept=accept
    )


MOVEMENT_LOG = _handler("cccm_movement_log", _accept_movement, _media)
HEADCOUNT = _handler("cccm_headcount", _accept_headcount, _sites_media)


def register_handlers() -> None:
    register(MOVEMENT_LOG)
    register(HEADCOUNT)
