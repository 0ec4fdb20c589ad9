"""Objects the referral tests build, shared by the interface tests, the permission matrix's
rows, the canaries and the state machine: service points of the personas' organisations, a
person in IOM's registry, consents, referrals and cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from nahrain.core import services as core_services
from nahrain.core.models import Organisation, Role
from nahrain.geo import services as geo_services
from nahrain.geo.models import AdminUnit
from nahrain.referrals import case_services, directory_services, services
from nahrain.referrals.directory_services import OfferIn, PointIn
from nahrain.referrals.models import Case, Referral, ServicePoint
from nahrain.referrals.services import ConsentIn, PersonIn
from nahrain.registry import services as registry_services
from nahrain.registry.models import Individual
from nahrain.registry.rules import DocumentIn, MemberIn
from nahrain.testing.personas import Personas

ALL_FIELDS = ("name", "sex", "age", "phone", "place", "reason")


def gazetteer() -> None:
    if not AdminUnit.objects.filter(pcode="IQG09").exists():
        geo_services.gazetteer_load()


def mapper(organisation: Organisation) -> User:
    """The organisation's service mapper (made once)."""
    username = f"mapper_{organisation.acronym.lower()}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = core_services.user_create(username=username, password=None)
        core_services.membership_add(
            actor=None, user=user, organisation=organisation, role=Role.SERVICE_MAPPER
        )
    return user


def point(
    organisation: Organisation,
    *,
    kind: str,
    name_en: str,
    services_offered: tuple[str, ...],
    pcode: str = "IQG09Q04",
    name_ar: str = "",
    publish: bool = True,
    latitude: float | None = 37.05,
    longitude: float | None = 42.68,
    sexes: tuple[str, ...] = (),
) -> ServicePoint:
    """A service point of the organisation, published unless asked not to."""
    gazetteer()
    user = mapper(organisation)
    created = directory_services.point_create(
        actor=user,
        organisation=organisation,
        point=PointIn(
            kind=kind,
            name_en=name_en,
            name_ar=name_ar,
            admin_unit=AdminUnit.objects.get(pcode=pcode),
            latitude=latitude,
            longitude=longitude,
            hours="Sunday to Thursday, 8:00 to 14:00",
            languages=("ar", "ckb"),
            phone="07501234567",
            offers=tuple(OfferIn(service=s, sexes=sexes) for s in services_offered),
        ),
    )
    if publish:
        directory_services.draft_publish(actor=user, point=created)
    return created


def standard_points(personas: Personas) -> dict[str, ServicePoint]:
    """INTERSOS's women's safe space and legal aid office, DAMA's PHCC, IOM's CRC, in Zakho."""
    return {
        "wgss": point(
            personas.intersos,
            kind="womens_centre",
            name_en="Zakho women and girls' safe space",
            name_ar="المساحة الآمنة للنساء والفتيات في زاخو",
            services_offered=("gbv_case_management", "mhpss_pfa"),
            sexes=("f",),
        ),
        "legal": point(
            personas.intersos,
            kind="legal_aid_office",
            name_en="Zakho legal aid office",
            name_ar="مكتب المساعدة القانونية في زاخو",
            services_offered=("legal_aid", "child_protection"),
        ),
        "phcc": point(
            personas.dama,
            kind="phcc",
            name_en="Chameshku PHCC",
            name_ar="مركز جمشكو الصحي",
            services_offered=("phc", "srh", "mhpss_counselling"),
        ),
        "crc": point(
            personas.iom,
            kind="crc",
            name_en="Zakho community resource centre",
            name_ar="مركز الموارد المجتمعية في زاخو",
            services_offered=("cash", "shelter", "livelihoods"),
        ),
    }


def iom_person(
    personas: Personas, *, first_ar: str = "سميرة", phone: str = "07701234567"
) -> Individual:
    """A woman IOM registered (its registration officer, rania), out of camp in Zakho."""
    gazetteer()
    household = registry_services.household_register(
        actor=personas.rania.user,
        organisation=personas.iom,
        registered_on=date(2024, 3, 1),
        admin_unit=AdminUnit.objects.get(pcode="IQG09Q04"),
        address="Zakho, Nizarke",
        phone=phone,
        consents=("registration", "referral"),
        members=[
            MemberIn(
                sex="f",
                relationship="head",
                first_ar=first_ar,
                father_ar="خالد",
                family_ar="الحمداني",
                born_on=date(1990, 5, 2),
                documents=[DocumentIn("national_card", False, "")],
            )
        ],
    )
    return household.members.get()


def consent(
    fields: tuple[str, ...] = ALL_FIELDS,
    *,
    days: int = 90,
    given_by: str = "person",
    caregiver: str = "",
    child_assent: bool | None = None,
) -> ConsentIn:
    return ConsentIn(
        fields=fields,
        until=timezone.localdate() + timedelta(days=days),
        method="verbal",
        given_by=given_by,
        caregiver_relationship=caregiver,
        child_assent=child_assent,
    )


def adult(name: str = "Amina Hassan") -> PersonIn:
    return PersonIn(name=name, sex="f", age=34, phone="07509876543", place="Zakho, Darkar")


def refer(
    actor: User,
    organisation: Organisation,
    to: ServicePoint,
    service: str,
    **kwargs: Any,
) -> Referral:
    kwargs.setdefault("urgency", "high")
    kwargs.setdefault("consent", consent())
    if "individual" not in kwargs and "case" not in kwargs:
        kwargs.setdefault("person", adult())
    return services.referral_send(
        actor=actor, organisation=organisation, point=to, service=service, **kwargs
    )


def gbv_case(personas: Personas, **kwargs: Any) -> Case:
    """A GBV case INTERSOS's zainab holds."""
    return case_services.case_open(
        actor=personas.zainab.user,
        organisation=personas.intersos,
        case_type="gbv",
        person=PersonIn(sex="f", age=27, place="Zakho"),
        **kwargs,
    )
