"""Writes of the assistance app's programmes, rules and distribution lists. Each is keyword-only
and one transaction; each is refused to an actor the one rule (``access``) does not let do it.

A list is built from the registry by the programme's current rules (``list_build``) or made from
a partner's file by the intake spec (``list_from_households``); both run the same check
(``checks.list_check_run``) before an assistance officer other than the builder approves it.
An approved list is frozen: every write here refuses it; a change is a new version
(``list_revise``)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from nahrain.assistance import access, checks, codelists, rules
from nahrain.assistance.models import (
    DistributionList,
    ListEntry,
    ListStatus,
    Programme,
    ProgrammeStatus,
    Rules,
)
from nahrain.core.models import Organisation
from nahrain.core.services import audit_record
from nahrain.displacement.bulk import copy_rows
from nahrain.registry.models import Household

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


# What an approved list promises each household; unchanged once a list is approved.
ENTITLEMENT_FIELDS = ("cycles", "cycle_days", "kind", "modality", "currency")


@transaction.atomic
def programme_update(*, actor: User | None, programme: Programme, **fields: Any) -> Programme:
    """Change a programme's description, targets and dates (not its organisation, nor its
    status: ``programme_activate``, ``programme_close``). A closed programme stays as it was.
    The currency and modality its rules depend on stay once rules are set. What a household is
    entitled to (how many cycles, how far apart, of what kind, by what modality, in what
    currency) stays once a list has been approved: an approved list promised it, and payments
    and receipts are checked against it."""
    _writer(actor, programme.organisation)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise ValidationError(
            {k: gettext("this is not a field a programme changes") for k in unknown}
        )
    if programme.status == ProgrammeStatus.CLOSED:
        raise ValidationError(gettext("A closed programme is not changed."))
    changed = sorted(k for k, v in fields.items() if getattr(programme, k) != v)
    frozen = [k for k in changed if k in ENTITLEMENT_FIELDS]
    if frozen and programme.lists.filter(approved_at__isnull=False).exists():
        raise ValidationError(
            {
                k: gettext(
                    "a list of this programme has been approved with it: start a new programme"
                )
                for k in frozen
            }
        )
    if programme.rules.exists():
        fixed = [
            k
            for k in ("currency", "modality")
            if k in fields and fields[k] != getattr(programme, k)
        ]
        if fixed:
            raise ValidationError(
                {k: gettext("set by the programme's rules: give new rules first") for k in fixed}
            )
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
        raise ValidationError(gettext("Only a draft programme starts."))
    if current_rules(programme) is None:
        raise ValidationError({"rules": gettext("set the programme's rules before it starts")})
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
        raise ValidationError(gettext("A closed programme's rules are not changed."))
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


# --- lists ------------------------------------------------------------------------------------

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: read aloud over a phone and copied by hand without mistakes
# (the registry's registration numbers use the same letters).
TOKEN_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"  # noqa: S105 (letters, not a secret)
TOKEN_LETTERS = 8
FROZEN = (ListStatus.APPROVED, ListStatus.SUPERSEDED, ListStatus.DISCARDED)
_BATCH = 5000


def token_normal(typed: str) -> str:
    """A token as typed or scanned, as it is stored: the letters of its alphabet alone (a dash,
    spaces, anything else dropped), upper case, and the dash back between the fours
    ("xk4m 7qrt" → "XK4M-7QRT"). The desk, the API and the field form read tokens through it."""
    letters = "".join(c for c in typed.upper() if c in TOKEN_ALPHABET)
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == TOKEN_LETTERS else letters


def tokens(count: int, taken: Iterable[str] = ()) -> list[str]:
    """``count`` new tokens, none in ``taken`` nor twice: eight letters of an unambiguous
    alphabet (25⁸ ≈ 1.5·10¹¹), "XXXX-XXXX", from the system's secure source, drawn from one
    stream of random bytes rather than a call per letter."""
    size = len(TOKEN_ALPHABET)
    usable = 256 - 256 % size  # bytes above a multiple of 25 are dropped: no letter favoured
    seen = set(taken)
    found: list[str] = []
    while len(found) < count:
        letters = [
            TOKEN_ALPHABET[b % size]
            for b in secrets.token_bytes((count - len(found)) * (TOKEN_LETTERS + 1) + 16)
            if b < usable
        ]
        for start in range(0, len(letters) - TOKEN_LETTERS + 1, TOKEN_LETTERS):
            if len(found) == count:
                break
            body = "".join(letters[start : start + TOKEN_LETTERS])
            token = f"{body[:4]}-{body[4:]}"
            if token not in seen:
                seen.add(token)
                found.append(token)
    return found


def _unfrozen(distribution_list: DistributionList) -> DistributionList:
    """The list, locked for the write; refused once approved, replaced or discarded."""
    locked = DistributionList.objects.select_for_update().get(pk=distribution_list.pk)
    if locked.status in FROZEN:
        raise ValidationError(
            gettext(
                "An approved, replaced or discarded list is not changed: revise the approved list "
                "to make a new version."
            )
        )
    return locked


def _open_programme(programme: Programme) -> Programme:
    locked = (
        Programme.objects.select_for_update().select_related("organisation").get(pk=programme.pk)
    )
    if locked.status == ProgrammeStatus.CLOSED:
        raise ValidationError(gettext("A closed programme has no new lists."))
    return locked


def _new_list(
    programme: Programme,
    found: Rules,
    *,
    actor: User | None,
    source: str,
    supersedes: DistributionList | None,
) -> DistributionList:
    version = (programme.lists.aggregate(top=Max("version"))["top"] or 0) + 1
    return DistributionList.objects.create(
        programme=programme,
        version=version,
        rules=found,
        source=source,
        supersedes=supersedes,
        built_by=actor,
    )


def _entries_create(
    distribution_list: DistributionList,
    rulebook: rules.Rulebook,
    households: Sequence[tuple[int | None, int]],
    facts: dict[int, tuple[int, str, Any, Any]],
    keep_tokens: dict[int, str] | None = None,
) -> None:
    """The list's entries, one per household (``(row, household id)``), with its facts of now
    (``checks.household_facts``), its entitlement by its size and a token (the one it had on
    the list this version replaces, else a new one). Their outcome is the check's."""
    keep_tokens = keep_tokens or {}
    fresh = iter(tokens(len(households), keep_tokens.values()))
    entitled = {size: json.dumps(rulebook.entitlement(size) or {}) for size, *_ in facts.values()}

    def rows() -> Iterator[tuple[Any, ...]]:
        for row, household in households:
            size, head_sex, site, unit = facts[household]
            token = keep_tokens.get(household) or next(fresh)
            yield (
                distribution_list.pk,
                household,
                row,
                token,
                size,
                head_sex,
                site,
                unit,
                entitled[size],
                True,
                "",
                "{}",
            )

    # One COPY on PostgreSQL (a list of 100,000 households is written in seconds).
    copy_rows(ListEntry._meta.db_table, ENTRY_COLUMNS, rows())


ENTRY_COLUMNS = (
    '"list_id"',
    '"household_id"',
    '"row"',
    '"token"',
    '"people"',
    '"head_sex"',
    '"site_id"',
    '"admin_unit_id"',
    '"entitlement"',
    '"included"',
    '"excluded_by"',
    '"exclusion"',
)


def _facts_of(ids: Sequence[int]) -> dict[int, tuple[int, str, Any, Any]]:
    found: dict[int, tuple[int, str, Any, Any]] = {}
    for start in range(0, len(ids), _BATCH):
        chunk = Household.objects.filter(pk__in=ids[start : start + _BATCH])
        found.update(checks.household_facts(chunk))
    return found


def _checked(
    *,
    actor: User | None,
    distribution_list: DistributionList,
    today: date | None = None,
    refresh: bool = True,
) -> DistributionList:
    today = today or timezone.localdate()
    rulebook = rulebook_of(distribution_list.rules)
    if distribution_list.source == "registry":
        # The programme's list from the registry is one: this version replaces the approved
        # one of now, whichever it was when the version was made.
        distribution_list.supersedes = _approved_registry_list(distribution_list.programme)
        distribution_list.save(update_fields=["supersedes"])
    counts = checks.run(distribution_list, rulebook, today, refresh=refresh)
    distribution_list.status = ListStatus.CHECKED
    distribution_list.checked_at = timezone.now()
    distribution_list.households = counts.households
    distribution_list.people = counts.people
    distribution_list.excluded = counts.excluded
    distribution_list.save(
        update_fields=["status", "checked_at", "households", "people", "excluded"]
    )
    audit_record(
        actor=actor,
        action="assistance.list_check",
        object_type="distribution_list",
        object_id=distribution_list.uid,
        organisation=distribution_list.programme.organisation,
        detail={
            "version": distribution_list.version,
            "households": counts.households,
            "excluded": counts.excluded,
        },
    )
    return distribution_list


def _current_rules_of(programme: Programme) -> Rules:
    found = current_rules(programme)
    if found is None:
        raise ValidationError(
            {"rules": gettext("set the programme's rules before building a list")}
        )
    return found


def _approved_registry_list(programme: Programme) -> DistributionList | None:
    return (
        programme.lists.filter(status=ListStatus.APPROVED, source="registry")
        .order_by("-version")
        .first()
    )


@transaction.atomic
def list_build(
    *, actor: User | None, programme: Programme, today: date | None = None
) -> DistributionList:
    """A new draft version of the programme's list, built from its organisation's registry by
    the current rules, then checked. Households without consent to assistance are on it,
    excluded (``no_consent``), so that the hotline can say why. It replaces, once approved, the
    approved list built from the registry before it; tokens of households on that list stay."""
    _officer(actor, programme)
    programme = _open_programme(programme)
    found = _current_rules_of(programme)
    rulebook = rulebook_of(found)
    replaced = _approved_registry_list(programme)
    distribution_list = _new_list(
        programme, found, actor=actor, source="registry", supersedes=replaced
    )
    households = Household.objects.filter(organisation=programme.organisation).filter(
        rules.eligible_q(rulebook)
    )
    facts = checks.household_facts(households)
    ids = sorted(facts)
    _entries_create(
        distribution_list,
        rulebook,
        [(None, pk) for pk in ids],
        facts,
        _tokens_of(replaced) if replaced is not None else None,
    )
    audit_record(
        actor=actor,
        action="assistance.list_build",
        object_type="distribution_list",
        object_id=distribution_list.uid,
        organisation=programme.organisation,
        detail={"version": distribution_list.version, "rules": found.version, "entries": len(ids)},
    )
    return _checked(actor=actor, distribution_list=distribution_list, today=today, refresh=False)


def rows_listed_twice(rows: Iterable[tuple[int, Household]]) -> dict[int, int]:
    """The rows of a file that give a household an earlier row gave already: ``{row: first
    row}`` (the import's problems, in the words of ``listed_twice``)."""
    first: dict[int, int] = {}
    twice: dict[int, int] = {}
    for row, household in rows:
        if household.pk in first:
            twice[row] = first[household.pk]
        else:
            first[household.pk] = row
    return twice


@transaction.atomic
def list_from_households(
    *,
    actor: User | None,
    programme: Programme,
    rows: list[tuple[int, Household]],
    today: date | None = None,
) -> DistributionList:
    """A new draft version of the programme's list from a file's households (the intake spec
    ``assistance.list`` resolves the rows), checked like a built one: a household outside the
    rules is on it, excluded (``not_eligible``) with the reasons. A household given twice is
    entered at its first row (``rows_listed_twice``). The households are the programme's
    organisation's. An imported list adds to the approved lists: it replaces none."""
    _officer(actor, programme)
    programme = _open_programme(programme)
    found = _current_rules_of(programme)
    foreign = sorted(row for row, h in rows if h.organisation_id != programme.organisation_id)
    if foreign:
        raise ValidationError(
            {
                "rows": gettext("households another organisation holds, at rows %(rows)s")
                % {"rows": foreign[:20]}
            }
        )
    twice = rows_listed_twice(rows)
    entries = [(row, household.pk) for row, household in rows if row not in twice]
    distribution_list = _new_list(programme, found, actor=actor, source="import", supersedes=None)
    _entries_create(
        distribution_list,
        rulebook_of(found),
        entries,
        _facts_of([household for _row, household in entries]),
    )
    audit_record(
        actor=actor,
        action="assistance.list_import",
        object_type="distribution_list",
        object_id=distribution_list.uid,
        organisation=programme.organisation,
        detail={
            "version": distribution_list.version,
            "rules": found.version,
            "entries": len(entries),
            "listed_twice": len(twice),
        },
    )
    return _checked(actor=actor, distribution_list=distribution_list, today=today, refresh=False)


@transaction.atomic
def list_check(
    *, actor: User | None, distribution_list: DistributionList, today: date | None = None
) -> DistributionList:
    """Check a draft or checked list again (after the registry's de-duplication ran, a consent
    was given, a receipt came in): each entry's facts are read again from the registry."""
    _officer(actor, distribution_list.programme)
    locked = _unfrozen(distribution_list)
    return _checked(actor=actor, distribution_list=locked, today=today)


@transaction.atomic
def list_approve(*, actor: User | None, distribution_list: DistributionList) -> DistributionList:
    """Approve a checked list: by an assistance officer other than the one who built it. The
    approved list is frozen; the approved version it replaces is marked replaced."""
    _officer(actor, distribution_list.programme)
    locked = _unfrozen(distribution_list)
    if actor is None or locked.built_by_id == actor.pk:
        raise PermissionDenied("A list is approved by another assistance officer than its builder.")
    if locked.status != ListStatus.CHECKED:
        raise ValidationError(gettext("Check the list before approving it."))
    # What the check read of the programme's other approved lists must still hold.
    since = DistributionList.objects.filter(
        programme_id=locked.programme_id, approved_at__gte=locked.checked_at
    )
    if since.exists():
        raise ValidationError(
            gettext("Another list was approved since this one was checked: check it again.")
        )
    if locked.supersedes is not None and locked.supersedes.status != ListStatus.APPROVED:
        raise ValidationError(
            gettext("The list this version replaces was replaced already: revise the current one.")
        )
    _open_programme(locked.programme)
    locked.status = ListStatus.APPROVED
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    if locked.supersedes_id is not None:
        DistributionList.objects.filter(pk=locked.supersedes_id, status=ListStatus.APPROVED).update(
            status=ListStatus.SUPERSEDED
        )
    audit_record(
        actor=actor,
        action="assistance.list_approve",
        object_type="distribution_list",
        object_id=locked.uid,
        organisation=locked.programme.organisation,
        detail={
            "version": locked.version,
            "households": locked.households,
            "supersedes": locked.supersedes.version if locked.supersedes else None,
        },
    )
    return locked


@transaction.atomic
def list_discard(*, actor: User | None, distribution_list: DistributionList) -> DistributionList:
    """Discard a draft or checked list (never an approved one)."""
    _officer(actor, distribution_list.programme)
    locked = _unfrozen(distribution_list)
    locked.status = ListStatus.DISCARDED
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="assistance.list_discard",
        object_type="distribution_list",
        object_id=locked.uid,
        organisation=locked.programme.organisation,
        detail={"version": locked.version},
    )
    return locked


def _tokens_of(distribution_list: DistributionList) -> dict[int, str]:
    return dict(
        ListEntry.objects.filter(list=distribution_list).values_list("household_id", "token")
    )


@transaction.atomic
def list_revise(
    *, actor: User | None, distribution_list: DistributionList, today: date | None = None
) -> DistributionList:
    """A new draft version of an approved list: the same households (rows and tokens kept),
    under the programme's current rules, checked again. Approved, it replaces the one
    revised."""
    _officer(actor, distribution_list.programme)
    programme = _open_programme(distribution_list.programme)
    revised = DistributionList.objects.get(pk=distribution_list.pk)
    if revised.status != ListStatus.APPROVED:
        raise ValidationError(
            gettext("Only the approved list is revised; change a draft directly.")
        )
    found = _current_rules_of(programme)
    new = _new_list(programme, found, actor=actor, source=revised.source, supersedes=revised)
    copied = list(
        ListEntry.objects.filter(list=revised).order_by("pk").values_list("row", "household_id")
    )
    households = Household.objects.filter(
        pk__in=ListEntry.objects.filter(list=revised).values("household_id")
    )
    _entries_create(
        new, rulebook_of(found), copied, checks.household_facts(households), _tokens_of(revised)
    )
    audit_record(
        actor=actor,
        action="assistance.list_revise",
        object_type="distribution_list",
        object_id=new.uid,
        organisation=programme.organisation,
        detail={"version": new.version, "revises": revised.version, "rules": found.version},
    )
    return _checked(actor=actor, distribution_list=new, today=today, refresh=False)
