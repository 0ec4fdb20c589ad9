"""DTM master lists as an import spec on the intake pipeline.

The pipeline gives the upload, the preview, the user's mapping and taught spellings, the job
with its progress, the result and the problems file; this module says what a master list holds
(``dtm_format.wide_fields``; the 2014 long format has fixed columns), which round it goes into
and who may import into it (the round's information managers), and how it is checked and
written (``services.round_import``).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.displacement import access, services
from nahrain.displacement.codelists import codes_for_round
from nahrain.displacement.dtm_format import WIDE_FIELDS
from nahrain.displacement.forms import ImportOptionsForm
from nahrain.displacement.models import AssessmentRound, Population
from nahrain.geo.models import AdminUnit
from nahrain.intake.spec import Intake, Outcome, Spec, register

MASTER_LIST = "displacement.master_list"
# Words kept with a job in English, shown in the reader's language.
POPULATIONS: dict[str, str] = {
    Population.IDP: gettext_noop("IDPs"),
    Population.RETURNEE: gettext_noop("Returnees"),
}
# The formats a master list comes in, as the page names them.
FORMATS = {
    "dtm-wide": gettext_noop("One row per location"),
    "dtm-2014-long": gettext_noop("The 2014 list: one row per location, origin and date"),
}


def _round(user: AnyUser, uid: str) -> AssessmentRound:
    return access.access_round_for_change(user, uid)


def _import(intake: Intake, *, dry_run: bool) -> Outcome:
    assessment_round: AssessmentRound = intake.target
    report = services.round_import(
        actor=intake.actor,
        assessment_round=assessment_round,
        data=intake.data,
        file=intake.file,
        population=intake.options.get("population") or None,
        dry_run=dry_run,
        progress=intake.progress,
        aliases=intake.aliases or None,
        column_map=intake.column_map or None,
    )
    summary: list[tuple[str, str | int]] = [
        (gettext_noop("Format"), FORMATS.get(report.format, report.format)),
        (gettext_noop("Population"), POPULATIONS[report.population]),
        (gettext_noop("Locations"), report.locations),
        (gettext_noop("New locations"), report.new_locations),
        (gettext_noop("Households"), report.households),
        (gettext_noop("Individuals"), report.individuals),
    ]
    return Outcome(
        summary=summary, mapping=report.mapping, problems=report.problems, audit=report.audit
    )


def _extra_targets(assessment_round: AssessmentRound) -> list[tuple[str, str]]:
    """What else a header of this round's master list may be read as: the round's shelter and
    period categories, and the governorates of origin."""
    codes = codes_for_round(assessment_round.number)
    governorates = AdminUnit.objects.filter(level=1).defer("geometry").order_by("name_en")
    return [
        *((f"shelter:{i.code}", gettext("Shelter: %s") % local_name(i)) for i in codes.shelter),
        *((f"period:{i.code}", gettext("Displaced: %s") % local_name(i)) for i in codes.period),
        *((f"origin:{g.pcode}", gettext("From %s") % local_name(g)) for g in governorates),
    ]


def _label(assessment_round: AssessmentRound) -> str:
    return gettext("Round %(number)s") % {"number": assessment_round.number}


def _organisation(assessment_round: Any) -> Organisation:
    organisation: Organisation = assessment_round.organisation
    return organisation


MASTER_LIST_SPEC = Spec(
    name=MASTER_LIST,
    title=gettext_lazy("DTM master list (IDPs or returnees per location)"),
    fields=WIDE_FIELDS,
    target_for_change=_round,
    organisation_of=_organisation,
    target_url=lambda r: reverse("displacement:round", args=[r.uid]),
    target_label=_label,
    check=lambda intake: _import(intake, dry_run=True),
    commit=lambda intake: _import(intake, dry_run=False),
    extra_targets=_extra_targets,
    options_form=ImportOptionsForm,
    refusals=(services.RoundLocked,),
    learns_aliases=True,
)


def register_specs() -> None:
    register(MASTER_LIST_SPEC)
