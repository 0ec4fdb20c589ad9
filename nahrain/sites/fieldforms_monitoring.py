"""The site monitoring and informal-site risk (RASP) field forms, as ``collect`` form handlers:
their site lists, and what accepting a submission does (the same services as the pages and the
API, keyed by the submission's instance id so that a form accepted twice counts once)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from nahrain.collect.handlers import FormHandler, NotAcceptable, register
from nahrain.core.problems import Problem
from nahrain.sites import services
from nahrain.sites.codelists import rasp_formula
from nahrain.sites.models import Site, SiteStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from nahrain.collect.models import Submission

XLSFORMS = Path(__file__).resolve().parent / "xlsforms"


def _sites_csv(sites: Any) -> bytes:
    """A site list as the forms load it: ``name`` is the site's uid, the label its code and its
    names in each language (an itemset from a CSV has one label column)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "label"])
    for site in sites:
        names = [n for n in (site.name_en, site.name_ar, site.name_ckb) if n]
        writer.writerow([str(site.uid), f"{site.code} {' / '.join(dict.fromkeys(names))}"])
    return out.getvalue().encode("utf-8")


def _own_sites(organisation_id: Any) -> Any:
    """The organisation's sites that people live on or will (not the closed ones)."""
    return (
        Site.objects.filter(organisation_id=organisation_id)
        .exclude(status=SiteStatus.CLOSED)
        .order_by("code")
    )


def _monitoring_media(organisation_id: Any) -> dict[str, bytes]:
    return {"sites.csv": _sites_csv(_own_sites(organisation_id))}


def _rasp_media(organisation_id: Any) -> dict[str, bytes]:
    informal = _own_sites(organisation_id).filter(type__in=services.INFORMAL_TYPES)
    return {"informal_sites.csv": _sites_csv(informal)}


def _site_and_day(submission: Submission, file: str) -> tuple[Site, date]:
    values = submission.data
    site = (
        Site.objects.filter(organisation_id=submission.organisation_id, uid=values.get("site"))
        .exclude(status=SiteStatus.CLOSED)
        .first()
        if _is_uuid(values.get("site"))
        else None
    )
    problems = []
    if site is None:
        problems.append(Problem(file, None, "site", "unknown_site", "not a site of yours"))
    try:
        day = date.fromisoformat(str(values.get("date", "")))
    except ValueError:
        problems.append(Problem(file, None, "date", "invalid", "not a date"))
    if problems:
        raise NotAcceptable(problems)
    assert site is not None
    return site, day


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _refused(file: str, exc: ValidationError) -> NotAcceptable:
    return NotAcceptable([Problem(file, None, "", "invalid", " ".join(exc.messages))])


def _accept_monitoring(actor: User, submission: Submission, file: str) -> dict[str, str]:
    site, day = _site_and_day(submission, file)
    values = submission.data
    raw = {key: values[key] for key in services.RAW_KINDS if values.get(key) not in (None, "")}
    population = str(values.get("population", "") or "")
    try:
        monitoring = services.monitoring_record(
            actor=actor,
            site=site,
            on=day,
            raw=raw,
            population=int(population) if population else None,
            key=f"collect:{submission.instance_id}",
        )
    except ValidationError as exc:
        raise _refused(file, exc) from exc
    except ValueError as exc:
        raise NotAcceptable([Problem(file, None, "population", "non_integer", str(exc))]) from exc
    return {"monitoring": str(monitoring.uid)}


def _accept_rasp(actor: User, submission: Submission, file: str) -> dict[str, str]:
    site, day = _site_and_day(submission, file)
    values = submission.data
    answers = {c["code"]: values.get(c["code"]) for c in rasp_formula()["criteria"]}
    try:
        assessment = services.risk_assess(
            actor=actor,
            site=site,
            on=day,
            answers=answers,
            key=f"collect:{submission.instance_id}",
        )
    except ValidationError as exc:
        raise _refused(file, exc) from exc
    return {"risk": str(assessment.uid)}


SITE_MONITORING = FormHandler(
    form_id="cccm_site_monitoring",
    xlsform=XLSFORMS / "cccm_site_monitoring.md",
    media=_monitoring_media,
    accept=_accept_monitoring,
)
RASP = FormHandler(
    form_id="cccm_rasp",
    xlsform=XLSFORMS / "cccm_rasp.md",
    media=_rasp_media,
    accept=_accept_rasp,
)


def register_monitoring_handlers() -> None:
    register(SITE_MONITORING)
    register(RASP)
