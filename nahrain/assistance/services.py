"""Writes of the assistance app's programmes, rules and distribution lists. Each is keyword-only
and one transaction; each is refused to an actor the one rule (``access``) does not let do it.

A list is built from the registry by the programme's current rules (``list_build``) or made from
a partner's file by the intake spec (``list_from_households``); both run the same check
(``checks.list_check_run``) before an assistance officer other than the builder approves it.
An approved list is frozen: every write here refuses it; a change is a new version
(``list_revise``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from nahrain.assistance import access, codelists, rules
from nahrain.assistance.models import (
    Programme,
    ProgrammeStatus,
    Rules,
)
from nahrain.core.models import Organisation
from nahrain.core.services import audit_record

# --- programmes -------------------------------------------------------------------------------

PROGRAMME_FIELDS = (
    "code",
    "name_en",
    "name_ar",
    "name_ckb",
    "kind",
    "modality",
    "cluster",
    "hrp_project",
    "cycles",
    "cycle_days",
    "currency",
    "budget",
    "target_households",
    "target_people",
    "starts_on",
    "ends_on",
)
TARGET_GROUPS = tuple(f"{sex}_{ages}" for ages in ("0_17", "18_59", "60") for sex in ("f", "m"))


def _writer(actor: User | None, organisation: Organisation) -> None:
    if actor is None or not access.writes_programmes(actor, organisation):
        raise PermissionDenied(
            "Only the organisation's assistance officers and information managers write its "
            "programmes."
        )


def _officer(actor: User | None, programme: Programme) -> None:
    if actor is None or not access.runs_assistance(actor, programme.organisation):
        raise PermissionDenied("Only the organisation's assistance officers work on its lists.")


def _programme_checked(programme: Programme) -> None:
    problems: dict[str, str] = {}
    if programme.kind not in codelists.codes("assistance_kinds"):
        problems["kind"] = f"{programme.kind!r} is not a kind of assistance"
    if programme.modality not in codelists.codes("modalities"):
        problems["modality"] = f"{programme.modality!r} is not a modality"
    if programme.cluster not in codelists.codes("clusters"):
        problems["cluster"] = f"{programme.cluster!r} is not a cluster"
    currency = programme.currency or ""
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        problems["currency"] = "the currency is three capital letters, e.g. USD"
    if programme.cycles > 1 and programme.cycle_days < 1:
        problems["cycle_days"] = "give the days between cycles of a programme of several cycles"
    if programme.ends_on is not None and programme.ends_on < programme.starts_on:
        problems["ends_on"] = "the programme ends before it starts"
    if programme.budget is not None and Decimal(programme.budget) < 0:
        problems["budget"] = "the budget cannot be negative"
    targets = programme.target_people
    if not isinstance(targets, dict) or any(
        k not in TARGET_GROUPS or not isinstance(v, int) or isinstance(v, bool) or v < 0
        for k, v in targets.items()
    ):
        problems["target_people"] = f"people by group ({', '.join(TARGET_GROUPS)}), each a count"
    if problems:
        raise ValidationError(problems)
    programme.full_clean()


@transaction.atomic
def programme_create(
    *,
    actor: User | None,
    organisation: Organisation,
    code: str,
    name_en: str,
    name_ar: str = "",
    name_ckb: str = "",
    kind: str,
    modality: str,
    cluster: str,
    hrp_project: str = "",
    cycles: int = 1,
    cycle_days: int = 0,
    currency: str = "USD",
    budget: Decimal | None = None,
    target_households: int | None = None,
    target_people: dict[str, int] | None = None,
    starts_on: date,
    ends_on: date | None = None,
) -> Programme:
    """A new programme of the organisation, in draft until its rules are set and it starts."""
    _writer(actor, organisation)
    programme = Programme(
        organisation=organisation,
        code=code.strip(),
        name_en=name_en.strip(),
        name_ar=name_ar.strip(),
        name_ckb=name_ckb.strip(),
        kind=kind,
        modality=modality,
        cluster=cluster,
        hrp_project=hrp_project.strip(),
        cycles=cycles,
        cycle_days=cycle_days,
        currency=currency,
        budget=budget,
        target_households=target_households,
        target_people=dict(target_people or {}),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    _programme_checked(programme)
    programme.save()
    audit_record(
        actor=actor,
        action="assistance.programme_create",
        object_type="programme",
        object_id=programme.uid,
        organisation=organisation,
        detail={"code": programme.code, "kind": kind},
    )
    return programme


@transaction.atomic
def programme_update(*, actor: User | None, programme: Programme, **fields: Any) -> Programme:
    """Change a programme's description, targets and dates (not its organisation, nor its
    status: ``programme_activate``, ``programme_close``). A closed programme stays as it was.
    The currency and modality its rules depend on stay once rules are set."""
    _writer(actor, programme.organisation)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise ValidationError({k: "this is not a field a programme changes" for k in unknown})
    if programme.status == ProgrammeStatus.CLOSED:
        raise ValidationError("A closed programme is not changed.")
    if programme.rules.exists():
        fixed = [
            k
            for k in ("currency", "modality")
            if k in fields and fields[k] != getattr(programme, k)
        ]
        if fixed:
            raise ValidationError(
                {k: "set by the programme's rules: give new rules first" for k in fixed}
            )
    changed = sorted(k for k, v in fields.items() if getattr(programme, k) != v)
    for key in changed:
        setattr(programme, key, fields[key])
    _programme_checked(programme)
    programme.save()
    audit_record(
        actor=actor,
        action="assistance.programme_update",
        object_type="programme",
        object_id=programme.uid,
        organisation=programme.organisation,
        detail={"fields": changed},
    )
    return programme


def current_rules(programme: Programme) -> Rules | None:
    return programme.rules.order_by("-version").first()


@transaction.atomic
def programme_activate(*, actor: User | None, programme: Programme) -> Programme:
    """Start a draft programme: it needs rules."""
    _writer(actor, programme.organisation)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.status != ProgrammeStatus.DRAFT:
        raise ValidationError("Only a draft programme starts.")
    if current_rules(programme) is None:
        raise ValidationError({"rules": "set the programme's rules before it starts"})
    programme.status = ProgrammeStatus.ACTIVE
    programme.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="assistance.programme_activate",
        object_type="programme",
        object_id=programme.uid,
        organisation=programme.organisation,
    )
    return programme


@transaction.atomic
def programme_close(*, actor: User | None, programme: Programme) -> Programme:
    """Close a programme: its lists and receipts stay; nothing new is built or served."""
    _writer(actor, programme.organisation)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.status == ProgrammeStatus.CLOSED:
        return programme
    programme.status = ProgrammeStatus.CLOSED
    programme.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="assistance.programme_close",
        object_type="programme",
        object_id=programme.uid,
        organisation=programme.organisation,
    )
    return programme


@transaction.atomic
def rules_set(
    *, actor: User | None, programme: Programme, document: dict[str, Any], source: str
) -> Rules:
    """A new version of the programme's rules, checked (``rules.RulesInvalid`` names every key
    that is wrong). Lists already built keep the version they were built with."""
    _writer(actor, programme.organisation)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.status == ProgrammeStatus.CLOSED:
        raise ValidationError("A closed programme's rules are not changed.")
    rules.parse(document, currency=programme.currency, modality=programme.modality)
    version = (programme.rules.aggregate(top=Max("version"))["top"] or 0) + 1
    found = Rules.objects.create(
        programme=programme,
        version=version,
        document=document,
        source=source.strip()[:300],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="assistance.rules_set",
        object_type="programme",
        object_id=programme.uid,
        organisation=programme.organisation,
        detail={"version": version},
    )
    return found


def rulebook_of(found: Rules) -> rules.Rulebook:
    programme = found.programme
    return rules.parse(found.document, currency=programme.currency, modality=programme.modality)
