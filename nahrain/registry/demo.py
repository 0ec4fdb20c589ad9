"""Registry's slice of the demo: registered households, as three organisations keep them.

- IOM registers everyone living in five of its camps of the sites slice (managed by CCCM
  partners) in a registration exercise of early 2025: as many households as each camp's
  current figure, families of Iraqi IDP size and age structure (about six people, some 45%
  children, one household in eight headed by a woman). The camps then count their population by
  registration (``Site.counts_by_registration``): from then on the registry is their figure.
  The exercise registers people already counted in the camp, so it records no arrivals.
- DAMA and INTERSOS register households out of camp, in Mosul and in Sumel.
- Each organisation writes names its own way (``namebank``): IOM in Arabic script in full
  (hamza, ta marbuta) with a Latin spelling, DAMA in Arabic script without them, INTERSOS in
  Latin letters with its own transliteration. Documents are missing for some people, adults
  answer the Washington Group questions, and consent is recorded for every household.
- Then, through the services, what happens in a camp over the next two years: births, deaths,
  departures, two splits, one merge, new arrivals, verification visits, consents given to
  share with a partner and one withdrawn.
- Registration officers: ``rania.reg`` (IOM, also personal data export), ``noor.reg`` (DAMA)
  and ``karim.reg`` (INTERSOS).

The exercise is written set-based (a few bulk inserts per table); the later events go through
the services one by one, as a registration officer's would. Everything is drawn from the seed.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import prefetch_related_objects

from nahrain.core import services as core_services
from nahrain.core.models import AuditEvent, Organisation, Role
from nahrain.demo.slices import Demo, Slice
from nahrain.geo import selectors as geo_selectors
from nahrain.geo.models import AdminUnit
from nahrain.registry import matching, namebank, names, services
from nahrain.registry.models import (
    Consent,
    Document,
    Household,
    HouseholdEvent,
    Individual,
    MemberStatus,
    Stay,
)
from nahrain.registry.rollups import places_refresh
from nahrain.registry.rules import WG_FIELDS, DocumentIn, MemberIn
from nahrain.sites.demo import CODE_PREFIX
from nahrain.sites.models import Site

# Frame codes of five camps of the sites slice, managed by CCCM partners for IOM, small enough
# to keep the demo quick (the camps IOM manages itself hold 1,400 to 3,500 households each).
# The events after the exercise happen in the first (each recounts its camp).
CAMPS = ("al.kawthar", "shooting.camp", "alwand.2", "qoratu", "mamilian")
EVENTS_CAMPS = 1
EXERCISE_START = date(2025, 1, 12)  # the registration exercise, over eleven weeks
EXERCISE_DAYS = 77
EVENTS_START = date(2025, 4, 1)  # births, deaths, moves... until the end of October 2026
EVENTS_DAYS = 578
# Partners out of camp: (acronym, district, governorate, households).
OUT_OF_CAMP = (("DAMA", "Mosul", "Ninewa", 40), ("INTERSOS", "Sumel", "Duhok", 40))
# How each organisation writes names (namebank): Arabic "full", Arabic "plain", or "latin".
STYLES = {"IOM": "full", "DAMA": "plain", "INTERSOS": "latin"}
OFFICERS = (
    ("rania.reg", "Rania", "Yousif", "IOM", True),
    ("noor.reg", "Noor", "Abbas", "DAMA", False),
    ("karim.reg", "Karim", "Mahdi", "INTERSOS", False),
)
# Household sizes 1 to 12 and their weights: a mean of about six, as DTM and the MCNA find for
# IDP households in Iraq.
SIZES = range(1, 13)
SIZE_WEIGHTS = (3, 6, 9, 12, 14, 14, 12, 10, 8, 5, 4, 3)
FEMALE_HEADED = 0.13
ORIGINS = (("Ninewa", 55), ("Anbar", 15), ("Salah al-Din", 15), ("Kirkuk", 8), ("Diyala", 7))
MOBILE_PREFIXES = ("750", "751", "770", "771", "772", "773", "774", "780", "781", "790")


@dataclass
class Drawn:
    """One household as drawn, before it is written."""

    members: list[MemberIn]
    registered_on: date
    displaced_on: date
    origin: AdminUnit | None
    phone: str
    consents: list[str]


class Families:
    """Iraqi IDP households drawn from the seed, written the way one organisation writes."""

    def __init__(self, rng: random.Random, style: str, origins: Sequence[AdminUnit | None]):
        self.rng = rng
        self.style = style
        self.origins = list(origins)
        self.origin_weights = [weight for _name, weight in ORIGINS]

    def _name(self, arabic: str, latin: list[str]) -> tuple[str, str]:
        """A name as the organisation writes it: (Arabic script, Latin script)."""
        if self.style == "latin":
            return "", latin[-1]  # its own transliteration: the last of the spellings
        arabic = namebank.spelled(arabic, self.style)
        return arabic, latin[0] if self.style == "full" else ""

    def _member(
        self,
        *,
        sex: str,
        relationship: str,
        age: int,
        on: date,
        chain: Sequence[tuple[str, list[str]]],
    ) -> MemberIn:
        first, father, grandfather, family = (self._name(*name) for name in chain)
        rng = self.rng
        year = on.year - age
        known = rng.random()
        if known < 0.45:  # a full date of birth on the national card
            born_on, birth_date = date(year, 1, 1) + timedelta(days=rng.randrange(365)), "exact"
            if born_on > on:
                born_on = on - timedelta(days=rng.randrange(1, 60))
        elif known < 0.9:  # the year only, written 1 July by the civil registry's convention
            born_on, birth_date = date(year, 7, 1), "july_1"
            if born_on > on:
                born_on = date(year - 1, 7, 1)
        else:  # an age given at registration
            born_on, birth_date = None, "estimated"
        member = MemberIn(
            sex=sex,
            relationship=relationship,
            first_ar=first[0],
            father_ar=father[0],
            grandfather_ar=grandfather[0],
            family_ar=family[0],
            first_lat=first[1],
            father_lat=father[1],
            grandfather_lat=grandfather[1],
            family_lat=family[1],
            born_on=born_on,
            birth_date=birth_date,
            age=age if born_on is None else None,
        )
        if age >= 18:
            member.wg = self._washington_group(age)
        member.documents = self._documents(age)
        member.serious_medical = rng.random() < 0.03
        member.pregnant_lactating = sex == "f" and 18 <= age <= 42 and rng.random() < 0.15
        return member

    def _washington_group(self, age: int) -> dict[str, int]:
        """Mostly no difficulty; some difficulty in a domain for some; a lot of difficulty or
        cannot do at all (a disability) for a few, more often among older people."""
        rng = self.rng
        answers = dict.fromkeys(WG_FIELDS, 1)
        if rng.random() < (0.25 if age >= 60 else 0.08):
            answers[rng.choice(WG_FIELDS)] = 2
        if rng.random() < (0.15 if age >= 60 else 0.03):
            answers[rng.choice(WG_FIELDS)] = rng.choice((3, 3, 4))
        return answers

    def _documents(self, age: int) -> list[DocumentIn]:
        """The national card or the older civil status ID, missing for about one in ten; a
        child's birth certificate is missing more often (children born in areas held by ISIL
        had none issued). Babies have no documents recorded yet."""
        rng = self.rng
        if age == 0:
            return []
        # Only IOM records document numbers; the partners record whether one is held.
        numbered = self.style == "full"
        national = f"{rng.randrange(10**11, 10**12)}" if numbered else ""
        civil = f"{rng.randrange(10**6, 10**7)}" if numbered else ""
        if age < 18:
            if rng.random() < 0.15:
                return [DocumentIn("civil_id", False), DocumentIn("birth_certificate", False)]
            return [DocumentIn("civil_id", True, civil)]
        draw = rng.random()
        if draw < 0.6:
            return [DocumentIn("national_card", True, national)]
        if draw < 0.9:
            return [DocumentIn("civil_id", True, civil), DocumentIn("national_card", False)]
        return [DocumentIn("national_card", False), DocumentIn("civil_id", False)]

    def _phone(self) -> str:
        rng = self.rng
        if rng.random() < 0.08:
            return ""
        prefix, rest = rng.choice(MOBILE_PREFIXES), f"{rng.randrange(10**7):07d}"
        if self.style == "latin":
            return f"+964 {prefix} {rest[:3]} {rest[3:]}"
        if self.style == "plain":
            return f"0{prefix}{rest}"
        return f"0{prefix} {rest[:3]} {rest[3:]}"

    def household(self, on: date) -> Drawn:
        """A household registered on a day: a head (a woman in one household in eight, most
        often a widow), a spouse, sometimes a parent of the head, and children (a nephew or
        niece where the mother's age leaves no room for another child)."""
        rng = self.rng
        size = rng.choices(SIZES, weights=SIZE_WEIGHTS)[0]
        family = namebank.family_pick(rng)
        female_head = rng.random() < FEMALE_HEADED
        head_sex = "f" if female_head else "m"
        head_age = int(rng.triangular(21, 72, 36))
        head_first = namebank.pick(rng, head_sex)
        father, grandfather = namebank.pick(rng, "m"), namebank.pick(rng, "m")
        members = [
            self._member(
                sex=head_sex,
                relationship="head",
                age=head_age,
                on=on,
                chain=(head_first, father, grandfather, family),
            )
        ]
        mother_age = head_age
        if not female_head and size > 1:
            mother_age = max(18, head_age - rng.randint(2, 10))
            members.append(
                self._member(
                    sex="f",
                    relationship="spouse",
                    age=mother_age,
                    on=on,
                    chain=(
                        namebank.pick(rng, "f"),
                        namebank.pick(rng, "m"),
                        namebank.pick(rng, "m"),
                        namebank.family_pick(rng),
                    ),
                )
            )
        if size >= 5 and head_age < 55 and rng.random() < 0.2:
            members.append(
                self._member(
                    sex="f",
                    relationship="mother",
                    age=min(95, head_age + rng.randint(20, 30)),
                    on=on,
                    chain=(
                        namebank.pick(rng, "f"),
                        namebank.pick(rng, "m"),
                        namebank.pick(rng, "m"),
                        namebank.family_pick(rng),
                    ),
                )
            )
        # Children of the head from the youngest up, a year to three apart; a woman heading
        # the household is most often a widow, and her children carry their father's names.
        # Where the mother's age leaves no room for another child: a brother or sister of the
        # head, or a nephew or niece (separated from their parents, some of them).
        parent = (head_first, father, family)
        if female_head:
            parent = (namebank.pick(rng, "m"), namebank.pick(rng, "m"), namebank.family_pick(rng))
        child_age = rng.randint(0, max(4, mother_age - 20))
        while len(members) < size:
            sex = rng.choice("fm")
            if child_age <= mother_age - 17:
                relationship, age = ("daughter" if sex == "f" else "son"), child_age
                chain = (namebank.pick(rng, sex), *parent)
            elif rng.random() < 0.75:
                relationship = "sister" if sex == "f" else "brother"
                age = max(18, head_age + rng.randint(-12, 8))
                chain = (namebank.pick(rng, sex), father, grandfather, family)
            else:
                relationship, age = "other_relative", rng.randint(0, 17)
                chain = (namebank.pick(rng, sex), namebank.pick(rng, "m"), *parent[1:])
            member = self._member(sex=sex, relationship=relationship, age=age, on=on, chain=chain)
            member.separated_child = relationship == "other_relative" and rng.random() < 0.3
            members.append(member)
            child_age += rng.randint(1, 3)
        consents = ["registration"]
        if rng.random() < 0.9:
            consents.append("assistance")
        if rng.random() < 0.3:
            consents.append("referral")
        origin = rng.choices(self.origins, weights=self.origin_weights)[0]
        displaced_on = (
            date(2014, 6, 10) + timedelta(days=rng.randrange(90))
            if rng.random() < 0.6
            else date(2016, 10, 17) + timedelta(days=rng.randrange(270))
        )
        return Drawn(members, on, displaced_on, origin, self._phone(), consents)


def _uid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def exercise_write(
    drawn: Sequence[Drawn],
    *,
    rng: random.Random,
    actor: User,
    organisation: Organisation,
    site: Site | None = None,
    admin_unit: AdminUnit | None = None,
) -> list[Household]:
    """Write drawn households as ``services.household_register`` would (members, documents,
    stay, consents, history, audit), set-based: a bulk insert per table. No arrival is recorded:
    the households already live where they are registered."""
    place = site.admin_unit if site is not None else admin_unit
    location = site.location if site is not None else None
    numbers: set[str] = set()
    households = []
    for entry in drawn:
        number = services.registration_number(organisation, rng=rng)
        while number in numbers:
            number = services.registration_number(organisation, rng=rng)
        numbers.add(number)
        households.append(
            Household(
                uid=_uid(rng),
                organisation=organisation,
                number=number,
                site=site,
                admin_unit=place,
                location=location,
                origin=entry.origin,
                displaced_on=entry.displaced_on,
                registered_on=entry.registered_on,
                phone=entry.phone,
                phone_key=names.phone_key(entry.phone),
                size=len(entry.members),
                created_by=actor,
            )
        )
    Household.objects.bulk_create(households)
    individuals: list[Individual] = []
    documents: list[tuple[Individual, list[DocumentIn]]] = []
    for household, entry in zip(households, drawn, strict=True):
        for member in entry.members:
            individual = services.individual_from(
                member, household=household, on=entry.registered_on
            )
            individual.uid = _uid(rng)
            individuals.append(individual)
            documents.append((individual, member.documents))
    Individual.objects.bulk_create(individuals)
    Document.objects.bulk_create(
        Document(
            individual=individual,
            kind=d.kind,
            held=d.held,
            number=d.number if d.held else "",
            number_key=names.document_key(d.number) if d.held else "",
        )
        for individual, held in documents
        for d in held
    )
    matching.keys_refresh(individual_ids=[individual.pk for individual in individuals])
    # The derived vulnerabilities, as the services derive them from the members written.
    prefetch_related_objects(individuals, "documents")
    by_household: dict[int, list[Individual]] = {}
    for individual in individuals:
        by_household.setdefault(individual.household_id, []).append(individual)
    for household in households:
        derived = services.vulnerabilities_derived(
            by_household[household.pk], household.registered_on
        )
        household.vulnerabilities = sorted(derived)
    Household.objects.bulk_update(households, ["vulnerabilities"])
    Stay.objects.bulk_create(
        Stay(
            household=h,
            site=site,
            admin_unit=place,
            location=location,
            start=h.registered_on,
        )
        for h in households
    )
    Consent.objects.bulk_create(
        Consent(
            uid=_uid(rng),
            household=h,
            purpose=purpose,
            given_on=h.registered_on,
            given_by="head",
            recorded_by=actor,
        )
        for h, entry in zip(households, drawn, strict=True)
        for purpose in entry.consents
    )
    HouseholdEvent.objects.bulk_create(
        HouseholdEvent(
            household=h,
            kind="registration",
            on=h.registered_on,
            changes={"size": [None, h.size]},
            actor=actor,
        )
        for h in households
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            organisation=organisation,
            action="registry.register",
            object_type="household",
            object_id=str(h.uid),
            detail={"members": h.size, "via": "demo"},
        )
        for h in households
    )
    return households


def _day(rng: random.Random, first: date, days: int) -> date:
    return first + timedelta(days=rng.randrange(days))


def _members(household: Household) -> list[Individual]:
    return list(household.members.filter(status=MemberStatus.ACTIVE).order_by("pk"))


def events_load(
    households: list[Household],
    *,
    rng: random.Random,
    actor: User,
    families: Families,
    partners: list[Organisation],
) -> dict[str, int]:
    """What happens after the exercise in the camps' registries, through the services, each
    event on its own household: births, deaths, departures, splits, a merge, arrivals, visits
    and consents. Returns how many of each."""
    done: dict[str, int] = {}
    pool = list(households)
    rng.shuffle(pool)

    def take(
        test: Callable[[list[Individual]], bool] | None = None,
    ) -> tuple[Household, list[Individual]]:
        for index, household in enumerate(pool):
            members = _members(household)
            if test is None or test(members):
                pool.pop(index)
                return household, members
        raise AssertionError("no household fits")  # pragma: no cover - thousands drawn

    def count(kind: str) -> None:
        done[kind] = done.get(kind, 0) + 1

    def young_mother(members: list[Individual]) -> bool:
        return any(
            m.relationship == "spouse"
            and m.born_on is not None
            and 18 <= (EVENTS_START - m.born_on).days // 365 <= 40
            for m in members
        )

    def grown_son(member: Individual) -> bool:
        return (
            member.relationship == "son"
            and member.born_on is not None
            and member.born_on < date(2005, 1, 1)
        )

    for _ in range(6):
        household, members = take(young_mother)
        head = next(m for m in members if m.relationship == "head")
        on = _day(rng, EVENTS_START, EVENTS_DAYS)
        sex = rng.choice("fm")
        first = namebank.pick(rng, sex)
        services.member_add(
            actor=actor,
            household=household,
            on=on,
            birth=True,
            member=MemberIn(
                sex=sex,
                relationship="daughter" if sex == "f" else "son",
                first_ar=namebank.spelled(first[0], "full"),
                father_ar=head.first_ar,
                grandfather_ar=head.father_ar,
                family_ar=head.family_ar,
                first_lat=first[1][0],
                father_lat=head.first_lat,
                grandfather_lat=head.father_lat,
                family_lat=head.family_lat,
                born_on=on,
            ),
        )
        count("births")
    for _ in range(3):
        household, members = take(lambda ms: any(m.relationship == "mother" for m in ms))
        mother = next(m for m in members if m.relationship == "mother")
        services.member_death(
            actor=actor, individual=mother, on=_day(rng, EVENTS_START, EVENTS_DAYS)
        )
        count("deaths")
    for returned in (True, True, False):
        household, _members_now = take()
        services.household_depart(
            actor=actor,
            household=household,
            on=_day(rng, EVENTS_START, EVENTS_DAYS),
            returned=returned,
            destination=household.origin,
        )
        count("departures")

    for _ in range(2):  # a married son's family sets up on its own
        household, members = take(lambda ms: any(grown_son(m) for m in ms))
        son = next(m for m in members if grown_son(m))
        services.household_split(
            actor=actor,
            household=household,
            members=[],
            head=son,
            on=_day(rng, EVENTS_START, EVENTS_DAYS),
        )
        count("splits")
    # Two households of one camp become one: a small one joins relatives (one tent fewer).
    small, _members_small = take(lambda ms: len(ms) <= 3)
    into = next(h for h in pool if h.site_id == small.site_id)
    pool.remove(into)
    services.household_merge(
        actor=actor, household=small, into=into, on=_day(rng, EVENTS_START, EVENTS_DAYS)
    )
    count("merges")
    site = households[0].site
    assert site is not None
    for _ in range(2):
        on = _day(rng, EVENTS_START, EVENTS_DAYS)
        drawn = families.household(on)
        services.household_register(
            actor=actor,
            organisation=site.organisation,
            registered_on=on,
            members=drawn.members,
            site=site,
            origin=drawn.origin,
            displaced_on=drawn.displaced_on,
            phone=drawn.phone,
            consents=drawn.consents,
        )
        count("arrivals")
    for outcome in ("verified", "verified", "verified", "verified", "changed", "not_found"):
        household, members = take()
        services.visit_record(
            actor=actor,
            household=household,
            on=_day(rng, EVENTS_START, EVENTS_DAYS),
            outcome=outcome,
            members_seen=len(members) if outcome != "not_found" else 0,
        )
        count("visits")
    for partner in partners:
        household, _members_now = take()
        services.consent_record(
            actor=actor,
            household=household,
            purpose="sharing",
            shared_with=partner,
            on=_day(rng, EVENTS_START, EVENTS_DAYS),
        )
        count("sharing consents")
    household, _members_now = take()
    assistance = household.consents.filter(purpose="assistance", withdrawn_on=None).first()
    if assistance is not None:
        services.consent_withdraw(
            actor=actor, consent=assistance, on=_day(rng, EVENTS_START + timedelta(60), 400)
        )
        count("consents withdrawn")
    return done


def officers_create() -> dict[str, str]:
    """The demo's registration officers (new passwords on every run), username -> password."""
    passwords = {}
    for username, first, last, acronym, export in OFFICERS:
        password = secrets.token_urlsafe(12)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = core_services.user_create(
                username=username, password=password, first_name=first, last_name=last
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        organisation = Organisation.objects.get(acronym=acronym)
        roles = [Role.REGISTRATION_OFFICER] + ([Role.PERSONAL_DATA_EXPORT] if export else [])
        for role in roles:
            core_services.membership_add(
                actor=None, user=user, organisation=organisation, role=role
            )
        passwords[username] = password
    return passwords


def demo_load(demo: Demo) -> None:
    passwords = officers_create()
    demo.summary.append("\nRegistration officers (passwords are new on every run):")
    for username, _first, _last, acronym, export in OFFICERS:
        roles = "registration officer" + (", personal data export" if export else "")
        demo.summary.append(f"  {username:<14} {passwords[username]:<18} {roles} at {acronym}")
    if Household.objects.filter(created_by__username="rania.reg").exists():
        demo.write("Registry: already present, left alone.")
        return
    started = time.perf_counter()
    # Seeded for a reproducible demo, not for secrecy.
    rng = random.Random(f"{demo.options['seed']}:registry")  # noqa: S311
    officers = {acronym: User.objects.get(username=u) for u, _f, _l, acronym, _e in OFFICERS}
    organisations = {o.acronym: o for o in Organisation.objects.filter(acronym__in=STYLES)}
    origins = [geo_selectors.admin_unit_resolve(name, level=1) for name, _weight in ORIGINS]
    codes = [f"{CODE_PREFIX}{camp.upper()}" for camp in CAMPS]
    camps = sorted(
        Site.objects.filter(code__in=codes, population_households__gt=0).select_related(
            "organisation", "admin_unit", "location"
        ),
        key=lambda site: codes.index(site.code),
    )
    with transaction.atomic():
        in_camp: list[Household] = []
        for site in camps:
            families = Families(rng, STYLES.get(site.organisation.acronym, "full"), origins)
            assert site.population_households is not None
            drawn = [
                families.household(_day(rng, EXERCISE_START, EXERCISE_DAYS))
                for _ in range(site.population_households)
            ]
            actor = officers.get(site.organisation.acronym, officers["IOM"])
            in_camp += exercise_write(
                drawn, rng=rng, actor=actor, organisation=site.organisation, site=site
            )
        Site.objects.filter(pk__in=[site.pk for site in camps]).update(counts_by_registration=True)
        services.sites_refresh(actor=officers["IOM"], sites=camps)
        out_of_camp = 0
        for acronym, district, governorate_name, count in OUT_OF_CAMP:
            governorate = geo_selectors.admin_unit_resolve(governorate_name, level=1)
            unit = geo_selectors.admin_unit_resolve(district, level=2, within=governorate)
            place = unit or governorate
            assert place is not None, district
            families = Families(rng, STYLES[acronym], origins)
            drawn = [
                families.household(_day(rng, EXERCISE_START, EXERCISE_DAYS)) for _ in range(count)
            ]
            written = exercise_write(
                drawn,
                rng=rng,
                actor=officers[acronym],
                organisation=organisations[acronym],
                admin_unit=place,
            )
            places_refresh(
                organisation_id=organisations[acronym].pk, site_ids=(), admin_unit_ids=[place.pk]
            )
            out_of_camp += len(written)
        for organisation in {site.organisation for site in camps}:
            places_refresh(
                organisation_id=organisation.pk,
                site_ids=[s.pk for s in camps if s.organisation_id == organisation.pk],
                admin_unit_ids=(),
            )
        done: dict[str, int] = {}
        if camps:
            events_sites = {site.pk for site in camps[:EVENTS_CAMPS]}
            done = events_load(
                [h for h in in_camp if h.site_id in events_sites],
                rng=rng,
                actor=officers["IOM"],
                families=Families(rng, "full", origins),
                partners=[organisations["INTERSOS"], organisations["DAMA"]],
            )
    people = Individual.objects.filter(household__in=in_camp).count()
    events = ", ".join(f"{kind} {n}" for kind, n in done.items())
    demo.write(
        f"Registry: {len(in_camp):,} households ({people:,} people) registered in {len(camps)} "
        f"camps counting by registration, {out_of_camp} out of camp by partners; {events} "
        f"({time.perf_counter() - started:.1f} s)."
    )


# The camps are the sites slice's; the organisations and their IOM site manager are core's.
SLICE = Slice(name="registry", load=demo_load, after=("core", "geo", "sites"))
