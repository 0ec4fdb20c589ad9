"""Reads of the review queue of possible duplicates (docs/REGISTRY.md): the pairs an
organisation's registry staff review, and one pair's two records side by side.

Each organisation holding one of a pair's records sees the pair. The other organisation's
record is shown as "held by <organisation>" alone, unless its household has a consent in force
to share with the reader's organisation (DESIGN.md 2a, "Persons"); then its values are shown too.
Showing a record is a read of its household, audited by the caller (``pair_read``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from nahrain.core.access import AnyUser
from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.registry import access, codelists, services
from nahrain.registry.dedup.model import COMPARISONS, LEVELS
from nahrain.registry.models import (
    DuplicateDecision,
    DuplicateStatus,
    Household,
    Individual,
    PossibleDuplicate,
)
from nahrain.registry.templatetags.registry_format import born
from nahrain.sites.models import Site

# What a comparison's level says, in words: the matcher's level names (``dedup.model.LEVELS``).
LEVEL_WORDS: dict[str, Promise] = {
    "same": _("same"),
    "typo": _("spelt differently"),
    "different": _("different"),
    "missing": _("missing"),
    "same convention": _("same"),
    "same year, one a convention": _("close: the same year, one date a convention"),
    "day and month swapped": _("close: day and month swapped"),
    "a year off": _("close: a year apart"),
    "within five years, one a convention": _("close: within five years, one date a convention"),
}


@dataclass
class Value:
    """One value of a record as the pair page writes it (``direction``: rtl for Arabic script)."""

    text: str
    direction: str = "auto"


@dataclass
class FieldRow:
    """One field of the two records side by side, with what the matcher found (``mark``: words;
    empty for a field the matcher does not compare). A record not shown has no values."""

    name: str
    label: str
    first: list[Value]
    second: list[Value]
    mark: str = ""
    level: str = ""

    @property
    def sides(self) -> tuple[list[Value], list[Value]]:
        return self.first, self.second


@dataclass
class Side:
    """One of the pair's records as the reader sees it."""

    individual: Individual
    household: Household
    organisation: Organisation
    mine: bool  # held by an organisation whose registry the reader works in
    shown: bool  # its values are shown: the reader's own, or shared by consent


@dataclass
class DecisionShown:
    decision: DuplicateDecision
    reason_shown: bool  # the reason is the deciding organisation's own


@dataclass
class PairView:
    pair: PossibleDuplicate
    organisation: Organisation  # the reader's organisation among the pair's
    first: Side
    second: Side
    rows: list[FieldRow]
    decisions: list[DecisionShown]
    undecided: bool
    merge_from: Household | None  # one organisation's two households: the merge to open

    @property
    def sides(self) -> tuple[Side, Side]:
        return self.first, self.second

    @property
    def both_shown(self) -> bool:
        """Both records' values are shown: the match probability may be too (it is computed
        from them, so beside a hidden record it would tell of its values)."""
        return self.first.shown and self.second.shown


@dataclass
class QueueRow:
    """A pair in the queue: the reader's record, and the other one (or who holds it)."""

    pair: PossibleDuplicate
    own: Individual
    other: Individual
    other_shown: bool = False


# --- the queue ---------------------------------------------------------------------------------

PAIR_RELATED = (
    "first__household__site",
    "second__household__site",
    "first__organisation",
    "second__organisation",
)


def duplicate_queue(
    *,
    user: AnyUser,
    organisation: Organisation,
    status: str | None = DuplicateStatus.OPEN,
    site: Site | None = None,
) -> QuerySet[PossibleDuplicate]:
    """The pairs holding one of the organisation's records, strongest first; none unless the
    user works in its registry. ``status`` None: every status."""
    if not access.reads_registry(user, organisation):
        return PossibleDuplicate.objects.none()
    ours = Q(first__organisation=organisation) | Q(second__organisation=organisation)
    pairs = access.duplicates_readable(user).filter(ours)
    if status:
        pairs = pairs.filter(status=status)
    if site is not None:
        pairs = pairs.filter(
            Q(first__organisation=organisation, first__household__site=site)
            | Q(second__organisation=organisation, second__household__site=site)
        )
    # Newest first, not strongest: an order by probability would rank another organisation's
    # hidden records by how well they match the reader's.
    return pairs.select_related(*PAIR_RELATED).order_by("-found_at", "-pk")


def open_count(*, user: AnyUser, organisation: Organisation) -> int:
    """How many pairs the organisation has still to review (the navigation's count): one
    query, the user's registry scoping it (``duplicates_readable``)."""
    ours = Q(first__organisation=organisation) | Q(second__organisation=organisation)
    pairs = access.duplicates_readable(user).filter(ours, status=DuplicateStatus.OPEN)
    return pairs.count()


def queue_rows(pairs: Iterable[PossibleDuplicate], organisation: Organisation) -> list[QueueRow]:
    """The queue's rows: the organisation's record first; the other shown by name in the queue
    only when the organisation holds it too (another organisation's values are for the pair
    page, which checks consent and audits the read)."""
    rows = []
    for pair in pairs:
        own, other = (
            (pair.first, pair.second)
            if pair.first.organisation_id == organisation.pk
            else (pair.second, pair.first)
        )
        rows.append(
            QueueRow(
                pair=pair,
                own=own,
                other=other,
                other_shown=other.organisation_id == organisation.pk,
            )
        )
    return rows


# --- one pair ----------------------------------------------------------------------------------


def reader_organisation(user: AnyUser, pair: PossibleDuplicate) -> Organisation:
    """The organisation the user reviews the pair for: the first of its two holders whose
    registry the user works in (the gate has let the user in through one of them)."""
    for individual in (pair.first, pair.second):
        if access.reads_registry(user, individual.organisation):
            return individual.organisation
    raise AssertionError("access_duplicate_by_id lets in only a holder's registry staff")


def _side(user: AnyUser, individual: Individual, reader: Organisation, today: date) -> Side:
    mine = access.reads_registry(user, individual.organisation)
    shown = mine or access.sharing_in_force(individual.household, reader, today)
    return Side(
        individual=individual,
        household=individual.household,
        organisation=individual.organisation,
        mine=mine,
        shown=shown,
    )


def _mark(pattern: Sequence[Any], comparison: str) -> tuple[str, str]:
    """The level the matcher stored for a comparison, and its words ("" when unknown)."""
    index = COMPARISONS.index(comparison)
    if index >= len(pattern) or not isinstance(pattern[index], int):
        return "", ""
    levels = LEVELS[index]
    if not 0 <= pattern[index] < len(levels):
        return "", ""
    level = levels[pattern[index]]
    return level, str(LEVEL_WORDS[level])


def _ar(text: str) -> Value:
    return Value(text, "rtl")


def _lat(text: str) -> Value:
    return Value(text, "ltr")


def _values(side: Side, name: str) -> list[Value]:
    """What a record shows for one of the pair page's fields (nothing when it is not shown)."""
    if not side.shown:
        return []
    person, household = side.individual, side.household
    if name in ("first", "father", "grandfather", "family"):
        found = [_ar(getattr(person, f"{name}_ar")), _lat(getattr(person, f"{name}_lat"))]
        return [v for v in found if v.text]
    return [Value(text) for text in _texts(person, household, name) if text]


def _texts(person: Individual, household: Household, name: str) -> list[str]:
    if name == "sex":
        return [str(person.get_sex_display())]
    if name == "born":
        return [born(person)] if person.born_on else []
    if name == "phone":
        return [household.phone]
    if name == "documents":
        return [_document(d) for d in person.documents.all()]
    if name == "number":
        return [household.number]
    if name == "place":
        return [_place(household)]
    if name == "origin":
        origin = local_name(household.origin) if household.origin else ""
        return [" · ".join(t for t in (origin, household.origin_place) if t)]
    raise ValueError(name)


def _document(document: Any) -> str:
    label = codelists.label("documents", document.kind)
    if not document.held:
        return f"{label}: {_('missing')}"
    return f"{label}: {document.number}" if document.number else f"{label}: {_('held')}"


def _place(household: Household) -> str:
    if household.site is not None:
        unit = f" · {household.unit}" if household.unit else ""
        return f"{local_name(household.site)}{unit}"
    if household.admin_unit is not None:
        return str(local_name(household.admin_unit))
    return ""


# The pair page's fields, in order: (name, label, the matcher's comparison or "").
FIELDS: tuple[tuple[str, Promise, str], ...] = (
    ("first", _("First name"), "first_name"),
    ("father", _("Father's name"), "father_name"),
    ("grandfather", _("Grandfather's name"), "grandfather_name"),
    ("family", _("Family or tribe"), "family_name"),
    ("sex", _("Sex"), ""),
    ("born", _("Date of birth"), "date_of_birth"),
    ("phone", _("Contact phone"), "phone"),
    ("documents", _("Documents"), "document_number"),
    ("number", _("Household registration number"), ""),
    ("place", _("Lives in"), ""),
    ("origin", _("Area of origin"), "admin1_origin"),
)


def _rows(pair: PossibleDuplicate, first: Side, second: Side) -> list[FieldRow]:
    """The fields side by side. What the matcher found is shown only when both records are:
    "phone: same" beside the reader's own phone would tell the other record's value."""
    both = first.shown and second.shown
    rows = []
    for name, label, comparison in FIELDS:
        level, mark = _mark(pair.pattern, comparison) if comparison and both else ("", "")
        rows.append(
            FieldRow(
                name=name,
                label=str(label),
                first=_values(first, name),
                second=_values(second, name),
                mark=mark,
                level=level,
            )
        )
    return rows


def _merge_from(first: Side, second: Side) -> Household | None:
    """One organisation's two households, both the reader's: the household to merge (the
    later registered) into the other, by the existing household merge."""
    if not (first.mine and second.mine) or first.household.pk == second.household.pk:
        return None
    if first.organisation.pk != second.organisation.pk:
        return None
    return max((first.household, second.household), key=lambda h: (h.registered_on, h.pk))


def pair_view(*, user: AnyUser, pair: PossibleDuplicate) -> PairView:
    """Everything the pair page (and the API's detail) shows of a pair the user reviews (the
    gate has let the user in: ``access.access_duplicate_by_id``)."""
    today = timezone.localdate()
    reader = reader_organisation(user, pair)
    first = _side(user, pair.first, reader, today)
    second = _side(user, pair.second, reader, today)
    readers = set(access.registry_organisations(user).values_list("organisation_id", flat=True))
    decisions = [
        DecisionShown(decision=d, reason_shown=d.organisation_id in readers)
        for d in pair.decisions.select_related("organisation", "decided_by").order_by(
            "decided_at", "pk"
        )
    ]
    return PairView(
        pair=pair,
        organisation=reader,
        first=first,
        second=second,
        rows=_rows(pair, first, second),
        decisions=decisions,
        undecided=pair.status in services.UNDECIDED,
        merge_from=_merge_from(first, second),
    )


def pair_read(*, user: Any, view: PairView, via: str) -> None:
    """Audit the read of every record the pair page showed, as a read of its household (the
    holding organisation sees who read it)."""
    households = {side.household.pk: side.household for side in (view.first, view.second)}
    for side in (view.first, view.second):
        if side.shown and households.pop(side.household.pk, None) is not None:
            services.household_read(actor=user, household=side.household, via=via)
