"""Post-distribution monitoring (PDM): a sample of a distribution's served households, the PDM
interview's answers (the field form ``assistance_pdm``, ``fieldforms.py``), their results by sex
of the head and by site, and the complaints the interviews raise.

- **Size.** Cochran's sample size for a proportion with the finite population correction, from
  the confidence and margin wanted (the code list "sample": 95% and 5% by default, the
  Cash Working Group Iraq's PDM guidance): 278 of 1,000 served households, 385 of a very large
  distribution.
- **Draw.** The served households are split by the sex of the head (``ListEntry.head_sex``) and
  the size allocated to each stratum in proportion (largest remainders), with every non-empty
  stratum given at least two households (all of them if it has fewer): proportional allocation
  rounds a small stratum, typically the female-headed households, to one household or none,
  and one household is neither a result by sex of the head (it is that household's answer)
  nor a stratum whose variance can be estimated (a stratified estimate needs two units in
  each stratum). Each stratum also draws reserves (``reserve_percent`` of its allocation,
  rounded up) to stand in, in their order, for a household of the same stratum that cannot be
  interviewed. The draw is made from a seed kept on the sample (random when none is given) over
  the served receipts in a fixed order, so the same seed on the same distribution draws the
  same households: anyone can check that the sample was not chosen.
- **Answers** are recorded once per form instance (``key``); a household that wants to complain,
  or says it was asked to pay or give something in return, is flagged for the feedback
  mechanism (``complaints_pending``), which takes it over when it exists (issue #20).
- **Sensitive complaints.** Asked to pay or give something in return is possible fraud or
  sexual exploitation and abuse: for the feedback mechanism's named focal points alone
  (DESIGN.md section 6), not for the assistance officers, who may be the team it is about.
  ``collect`` can keep no field of a submission from the form's reviewers, so the form asks
  for no text then: the interviewer gives the household the Iraq Information Centre's hotline,
  and only the answer travels (counted by site in the results, a standard PDM indicator). The
  officers' complaints list says that a sensitive complaint awaits the focal points, no more.

Samples, answers and complaints are personal data of the programme's organisation: its
assistance officers alone draw, record and read them, and every read is audited.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import get_language, gettext
from scipy.stats import norm  # type: ignore[import-untyped]

from nahrain.assistance import access
from nahrain.assistance.codelists import LISTS
from nahrain.assistance.models import (
    Distribution,
    MonitoringAnswer,
    MonitoringSample,
    Programme,
    Receipt,
    SampledHousehold,
)
from nahrain.assistance.services import tokens
from nahrain.collect.services import form_media_refresh_on_commit
from nahrain.core.access import AnyUser
from nahrain.core.services import audit_record
from nahrain.sites.models import Site

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The stratum of a household whose list entry does not say the sex of its head.
UNKNOWN = "u"
# The longest complaint or free text kept from an interview.
TEXT_MAX = 2000


def _require_officer(user: AnyUser, programme: Programme) -> None:
    if not access.runs_assistance(user, programme.organisation):
        raise PermissionDenied("only the programme's assistance officers monitor its distributions")


# --- size and allocation ----------------------------------------------------------------------


def _defaults() -> dict[str, Any]:
    return dict(LISTS.data["sample"])


def sample_size(
    population: int,
    confidence: float | Decimal | None = None,
    margin: float | Decimal | None = None,
    proportion: float | Decimal | None = None,
) -> int:
    """Cochran's sample size with the finite population correction: n0 = z² p (1 - p) / e²
    for the normal quantile z of the two-sided confidence, then n0 / (1 + (n0 - 1) / N), rounded
    up, never more than the population. Parameters not given are the code list's."""
    if population < 0:
        raise ValueError("a population cannot be negative")
    defaults = _defaults()
    conf = float(defaults["confidence"] if confidence is None else confidence)
    e = float(defaults["margin"] if margin is None else margin)
    p = float(defaults["proportion"] if proportion is None else proportion)
    if not 0 < conf < 1 or not 0 < e < 1 or not 0 < p < 1:
        raise ValueError("confidence, margin and proportion lie between 0 and 1")
    if population == 0:
        return 0
    z = float(norm.ppf(1 - (1 - conf) / 2))
    n0 = z * z * p * (1 - p) / (e * e)
    n = n0 / (1 + (n0 - 1) / population)
    # A hair of floating-point error must not add a household (278.0000000001 is 278).
    return min(population, math.ceil(round(n, 9)))


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """The sample size ``n`` shared among strata of these sizes in proportion (largest
    remainders, ties to the stratum first in order), every non-empty stratum given at least
    min(2, its size): the total is ``n`` unless those minimums need more, never more than
    the population."""
    population = sum(sizes.values())
    floors = {k: min(2, s) for k, s in sizes.items()}
    n = min(population, max(n, sum(floors.values())))
    if population == 0:
        return dict.fromkeys(sizes, 0)
    quota = {k: Fraction(n * s, population) for k, s in sizes.items()}
    shares = {k: min(sizes[k], max(floors[k], math.floor(quota[k]))) for k in sizes}
    order = sorted(sizes)
    while sum(shares.values()) < n:
        # The stratum furthest below its quota that has households left.
        k = max(
            (k for k in order if shares[k] < sizes[k]),
            key=lambda k: (quota[k] - shares[k], -order.index(k)),
        )
        shares[k] += 1
    while sum(shares.values()) > n:
        # The minimums pushed the total over: take from the stratum furthest above its quota.
        k = max(
            (k for k in order if shares[k] > floors[k]),
            key=lambda k: (shares[k] - quota[k], -order.index(k)),
        )
        shares[k] -= 1
    return shares


def reserves(shares: Mapping[str, int], sizes: Mapping[str, int], percent: int) -> dict[str, int]:
    """Each stratum's reserves: ``percent`` of its share, rounded up, as many as it has left."""
    return {
        k: min(sizes[k] - shares[k], math.ceil(Fraction(shares[k] * percent, 100))) for k in shares
    }


# --- the draw ---------------------------------------------------------------------------------


def _stratum(head_sex: str) -> str:
    return head_sex if head_sex in ("f", "m") else UNKNOWN


def _fraction(value: float | Decimal | None, default: Any, name: str) -> Decimal:
    chosen = Decimal(str(default if value is None else value)).quantize(Decimal("0.001"))
    if not Decimal(0) < chosen < Decimal(1):
        raise ValidationError({name: gettext("must lie between 0 and 1")})
    return chosen


@transaction.atomic
def sample_draw(
    *,
    actor: User,
    distribution: Distribution,
    confidence: float | Decimal | None = None,
    margin: float | Decimal | None = None,
    seed: str | None = None,
) -> MonitoringSample:
    """Draw a PDM sample from the distribution's served households (see the module's words on
    size, strata and reserves). The members' positions are the order to interview them in:
    the sample first, then the reserves."""
    programme = distribution.programme
    _require_officer(actor, programme)
    defaults = _defaults()
    conf = _fraction(confidence, defaults["confidence"], "confidence")
    e = _fraction(margin, defaults["margin"], "margin")
    seed = seed if seed else secrets.token_hex(16)
    if len(seed) > 64:
        raise ValidationError({"seed": "64 characters at most"})
    served = list(
        Receipt.objects.filter(distribution=distribution, served=True)
        .order_by("pk")
        .values_list("pk", "entry__head_sex")
    )
    if not served:
        raise ValidationError(
            {"distribution": gettext("no household was served at this distribution")}
        )
    population: dict[str, list[int]] = {}
    for pk, head_sex in served:
        population.setdefault(_stratum(head_sex), []).append(pk)
    sizes = {k: len(v) for k, v in population.items()}
    size = sample_size(len(served), conf, e)
    shares = allocate(sizes, size)
    spare = reserves(shares, sizes, int(defaults["reserve_percent"]))
    # A seeded generator on purpose: the draw must be reproducible from its recorded seed (the
    # seed itself comes from ``secrets``).
    rng = random.Random(seed)  # noqa: S311
    drawn: list[tuple[int, str]] = []
    standing_by: list[tuple[int, str]] = []
    for k in sorted(population):
        picked = rng.sample(population[k], shares[k] + spare[k])
        drawn += [(pk, k) for pk in picked[: shares[k]]]
        standing_by += [(pk, k) for pk in picked[shares[k] :]]
    rng.shuffle(drawn)
    rng.shuffle(standing_by)  # a stratum's reserves keep their order among themselves
    sample = MonitoringSample.objects.create(
        distribution=distribution,
        confidence=conf,
        margin=e,
        size=sum(shares.values()),
        strata={
            k: {"population": sizes[k], "sample": shares[k], "reserve": spare[k]}
            for k in sorted(sizes)
        },
        seed=seed,
        drawn_by=actor,
    )
    # Each household by a code of its own, never a list token (see ``SampledHousehold``): none
    # of the served tokens either, so a token typed in the form by mistake names no one.
    served_tokens = Receipt.objects.filter(distribution=distribution, served=True)
    codes = tokens(
        len(drawn) + len(standing_by), served_tokens.values_list("entry__token", flat=True)
    )
    SampledHousehold.objects.bulk_create(
        SampledHousehold(
            sample=sample,
            receipt_id=pk,
            stratum=k,
            reserve=position > len(drawn),
            position=position,
            code=code,
        )
        for position, ((pk, k), code) in enumerate(
            zip(drawn + standing_by, codes, strict=True), start=1
        )
    )
    audit_record(
        actor=actor,
        action="assistance.sample_draw",
        object_type="monitoring_sample",
        object_id=sample.uid,
        organisation=programme.organisation,
        detail={
            "distribution": str(distribution.uid),
            "population": len(served),
            "size": sample.size,
            "reserves": len(standing_by),
        },
    )
    # The PDM form's media list the sample's households (``fieldforms``, which imports this).
    form_media_refresh_on_commit(organisation=programme.organisation, form_id="assistance_pdm")
    return sample


# --- answers ----------------------------------------------------------------------------------


def questions() -> list[dict[str, Any]]:
    """The PDM survey's questions in their order, each with its choice list (None for text)."""
    return LISTS.entries("pdm_questions")


def _clean(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as codes of their questions' lists (a multiple choice as a list of codes, a
    text trimmed); anything else refused."""
    known = {q["code"]: q for q in questions()}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise ValidationError({"answers": f"not questions of the survey: {', '.join(unknown)}"})
    clean: dict[str, Any] = {}
    for code, value in answers.items():
        question = known[code]
        if value in (None, "", []):
            continue
        if question["choices"] is None:
            clean[code] = str(value).strip()[:TEXT_MAX]
            continue
        allowed = set(LISTS.codes(question["choices"]))
        given = (
            (value.split() if isinstance(value, str) else list(value))
            if question.get("multiple")
            else [value]
        )
        wrong = [str(v) for v in given if v not in allowed]
        if wrong:
            raise ValidationError({code: f"not a choice of the question: {', '.join(wrong)}"})
        clean[code] = (
            sorted(set(given), key=LISTS.codes(question["choices"]).index)
            if question.get("multiple")
            else given[0]
        )
    if "reached" not in clean:
        raise ValidationError({"reached": "say whether the household was interviewed"})
    if clean["reached"] != "interviewed":
        # A household not interviewed answered nothing, whatever the form carried along.
        clean = {"reached": clean["reached"]}
    if clean.get("asked_to_pay") == "yes":
        # What happened is for the feedback mechanism's focal points alone, told through the
        # hotline the interviewer gives (the form asks for no text then); a text sent anyway,
        # by an older form or another client, is not kept where the officers read answers.
        clean.pop("complaint", None)
    return clean


def complaint_reasons(answers: Mapping[str, Any]) -> list[str]:
    """Why an interview goes to the feedback mechanism: the household wants to complain, or
    says it was asked to pay or give something in return (a fraud or sexual exploitation and
    abuse flag, handed on even when the household does not ask)."""
    reasons = []
    if answers.get("wants_complain") == "yes":
        reasons.append("wants_to_complain")
    if answers.get("asked_to_pay") == "yes":
        reasons.append("asked_to_pay")
    return reasons


@transaction.atomic
def answer_record(
    *,
    actor: User,
    sampled: SampledHousehold,
    answers: Mapping[str, Any],
    interviewed_on: date,
    key: str,
) -> MonitoringAnswer:
    """Record a sampled household's PDM interview. The same ``key`` (the form's instance id)
    sent again returns the answer already recorded; a household answers once."""
    sample = sampled.sample
    programme = sample.distribution.programme
    _require_officer(actor, programme)
    known = MonitoringAnswer.objects.filter(key=key).first()
    if known is not None:
        if known.sampled_id != sampled.pk:
            raise ValidationError({"key": "this interview was recorded for another household"})
        return known
    if MonitoringAnswer.objects.filter(sampled=sampled).exists():
        raise ValidationError({"sampled": "this household's interview is already recorded"})
    if interviewed_on < sample.distribution.planned_on:
        raise ValidationError({"interviewed_on": "an interview follows the distribution"})
    clean = _clean(answers)
    reasons = complaint_reasons(clean)
    answer = MonitoringAnswer(
        sampled=sampled,
        answers=clean,
        interviewed_on=interviewed_on,
        key=key,
        recorded_by=actor,
        complaint=bool(reasons),
        complaint_reasons=reasons,
    )
    answer.full_clean()
    answer.save()
    audit_record(
        actor=actor,
        action="assistance.pdm_answer_record",
        object_type="monitoring_sample",
        object_id=sample.uid,
        organisation=programme.organisation,
        detail={"position": sampled.position, "complaint": bool(reasons)},
    )
    return answer


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """How many interviewed households gave an answer, and their share (percent, one decimal)
    of those asked the question; ``None`` when nobody in the group was asked."""

    count: int
    percent: float | None


@dataclass(frozen=True)
class ChoiceResult:
    code: str
    label: str
    total: Count
    by_sex: dict[str, Count]  # "f", "m" (and "u" for a head whose sex is not known)
    by_site: dict[Any, Count]  # site id, None for households out of camp


@dataclass(frozen=True)
class QuestionResult:
    code: str
    label: str
    multiple: bool  # several answers each: the percentages add up to more than 100
    asked: int  # interviewed households who answered it
    asked_by_sex: dict[str, int]
    asked_by_site: dict[Any, int]
    choices: list[ChoiceResult]


@dataclass(frozen=True)
class Group:
    key: Any
    label: str


@dataclass(frozen=True)
class Results:
    sample: MonitoringSample
    size: int  # the households to interview (reserves apart)
    approached: int  # households whose interview was recorded, reached or not
    interviewed: int
    response_rate: float | None  # interviewed of approached, percent
    completion: float | None  # interviewed of the sample size, percent
    sexes: list[Group]
    sites: list[Group]
    questions: list[QuestionResult]
    complaints: int


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def results(*, user: AnyUser, sample: MonitoringSample) -> Results:
    """The PDM results of a sample, for the programme's own assistance officers: for every
    question with choices, each answer's count and percentage overall, by sex of the head and
    by site, in the reader's language, with the response rate.

    The readers hold every answer already, so no count is hidden; but nothing is shown that
    they could not see one interview at a time either: no free text (a complaint is read
    through ``complaints_pending``), no token, and each breakdown on its own (sex, or site,
    never both crossed), so a table never picks out one household better than the answers do."""
    distribution = sample.distribution
    programme = distribution.programme
    _require_officer(user, programme)
    members = list(
        SampledHousehold.objects.filter(sample=sample).values_list(
            "pk", "stratum", "reserve", "receipt__entry__site_id"
        )
    )
    of_member = {pk: (stratum, site) for pk, stratum, _reserve, site in members}
    answers = list(
        MonitoringAnswer.objects.filter(sampled__sample=sample).values_list(
            "sampled_id", "answers", "complaint"
        )
    )
    interviewed = [
        (of_member[pk], given) for pk, given, _c in answers if given.get("reached") == "interviewed"
    ]
    sexes_seen = sorted({stratum for (stratum, _site), _given in interviewed})
    site_ids = {site for (_stratum, site), _given in interviewed}
    sites = {s.pk: s for s in Site.objects.filter(pk__in=site_ids - {None})}
    site_order = sorted(site_ids, key=lambda pk: (pk is None, getattr(sites.get(pk), "code", "")))
    out: list[QuestionResult] = []
    for question in questions():
        kind = question["choices"]
        if kind is None:
            continue
        multiple = bool(question.get("multiple"))
        answered = [
            (who, given[question["code"]])
            for who, given in interviewed
            if question["code"] in given
        ]
        asked_sex = Counter(sex for (sex, _site), _v in answered)
        asked_site = Counter(site for (_sex, site), _v in answered)
        chosen: dict[str, Counter[Any]] = {}
        for (sex, site), value in answered:
            for code in value if multiple else [value]:
                tally = chosen.setdefault(code, Counter())
                tally["all"] += 1
                tally[("sex", sex)] += 1
                tally[("site", site)] += 1
        choices = []
        for code in LISTS.codes(kind):
            tally = chosen.get(code, Counter())
            if question["code"] == "modality" and not tally:
                continue  # the modalities no distribution of this survey had
            choices.append(
                ChoiceResult(
                    code=code,
                    label=LISTS.label(kind, code),
                    total=Count(tally["all"], _percent(tally["all"], len(answered))),
                    by_sex={
                        s: Count(tally[("sex", s)], _percent(tally[("sex", s)], asked_sex[s]))
                        for s in sexes_seen
                    },
                    by_site={
                        s: Count(tally[("site", s)], _percent(tally[("site", s)], asked_site[s]))
                        for s in site_order
                    },
                )
            )
        out.append(
            QuestionResult(
                code=question["code"],
                label=LISTS.text(question, "label"),
                multiple=multiple,
                asked=len(answered),
                asked_by_sex={s: asked_sex[s] for s in sexes_seen},
                asked_by_site={s: asked_site[s] for s in site_order},
                choices=choices,
            )
        )
    audit_record(
        actor=user if user.is_authenticated else None,
        action="assistance.pdm_results_read",
        object_type="monitoring_sample",
        object_id=sample.uid,
        organisation=programme.organisation,
        detail={"answers": len(answers)},
    )
    return Results(
        sample=sample,
        size=sample.size,
        approached=len(answers),
        interviewed=len(interviewed),
        response_rate=_percent(len(interviewed), len(answers)),
        completion=_percent(len(interviewed), sample.size),
        sexes=[Group(s, _sex_label(s)) for s in sexes_seen],
        sites=[Group(s, _site_label(sites.get(s))) for s in site_order],
        questions=out,
        complaints=sum(1 for _pk, _g, complaint in answers if complaint),
    )


def _sex_label(stratum: str) -> str:
    return {
        "f": gettext("Female-headed households"),
        "m": gettext("Male-headed households"),
    }.get(stratum, gettext("Sex of the head not known"))


def _site_label(site: Site | None) -> str:
    if site is None:
        return gettext("Out of camp")
    language = (get_language() or "en").split("-")[0]
    names = {"ar": [site.name_ar], "ckb": [site.name_ckb, site.name_ar]}.get(language, [])
    return f"{next((n for n in names if n), site.name_en)} ({site.code})"


# --- complaints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingComplaint:
    """A PDM interview that raised a complaint the feedback mechanism has not yet taken over:
    enough for it to open a case and call the household back through its organisation, no
    more (the household is its list token; its name stays in the registry)."""

    answer_id: int
    sample: MonitoringSample
    distribution: Distribution
    token: str  # empty for a sensitive complaint
    site: Site | None  # None for a sensitive complaint too
    stratum: str  # empty for a sensitive complaint
    interviewed_on: date
    reasons: list[str]  # ["sensitive"] for a sensitive complaint
    reason_labels: list[str]
    text: str  # empty for a sensitive complaint
    # Says it was asked to pay or give something: possible fraud or sexual exploitation and
    # abuse, for the named focal points alone once the feedback mechanism routes it (DESIGN.md
    # section 6), not for the team that ran the distribution. The officers learn that it waits
    # for them, not which household, nor why beyond "sensitive", nor any words.
    sensitive: bool


def complaints_pending(*, user: AnyUser, programme: Programme) -> list[PendingComplaint]:
    """The programme's PDM complaints not yet taken over by the feedback mechanism, oldest
    first, for its assistance officers (and, once built, the feedback app acting for them).
    Reading them is audited."""
    _require_officer(user, programme)
    found = list(
        MonitoringAnswer.objects.filter(
            sampled__sample__distribution__programme=programme,
            complaint=True,
            complaint_taken_at__isnull=True,
        )
        .select_related("sampled__sample__distribution", "sampled__receipt__entry__site")
        .order_by("interviewed_on", "pk")
    )
    audit_record(
        actor=user if user.is_authenticated else None,
        action="assistance.pdm_complaints_read",
        object_type="programme",
        object_id=programme.uid,
        organisation=programme.organisation,
        detail={"complaints": len(found)},
    )
    return [_pending(a) for a in found]


SENSITIVE = frozenset({"asked_to_pay"})


def _pending(answer: MonitoringAnswer) -> PendingComplaint:
    sampled = answer.sampled
    entry = sampled.receipt.entry
    if SENSITIVE & set(answer.complaint_reasons):
        return PendingComplaint(
            answer_id=answer.pk,
            sample=sampled.sample,
            distribution=sampled.sample.distribution,
            token="",
            site=None,
            stratum="",
            interviewed_on=answer.interviewed_on,
            reasons=["sensitive"],
            reason_labels=[LISTS.label("pdm_complaint_reasons", "sensitive")],
            text="",
            sensitive=True,
        )
    return PendingComplaint(
        answer_id=answer.pk,
        sample=sampled.sample,
        distribution=sampled.sample.distribution,
        token=entry.token,
        site=entry.site,
        stratum=sampled.stratum,
        interviewed_on=answer.interviewed_on,
        reasons=list(answer.complaint_reasons),
        reason_labels=[LISTS.label("pdm_complaint_reasons", r) for r in answer.complaint_reasons],
        text=str(answer.answers.get("complaint", "")),
        sensitive=False,
    )
