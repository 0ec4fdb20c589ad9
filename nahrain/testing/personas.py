"""The named personas every interface test speaks through.

- ``layla``: IOM information manager
- ``omar``: camp manager (IOM site manager)
- ``shilan``: NGO case worker (INTERSOS)
- ``ahmed``: partner viewer (DAMA)
- ``outsider``: data entry at an organisation with no part in the others' work
- ``hana``: data entry at IOM
- ``iom_admin``: IOM's organisation admin (second factor required)
- ``intersos_admin``: INTERSOS's organisation admin (second factor required), an admin of
  another organisation than IOM
- ``root``: platform admin (second factor required)
- ``rania``: IOM registration officer who may also export personal data
- ``karim``: INTERSOS registration officer (another organisation's registry)
- ``zainab``: INTERSOS GBV case worker
- ``nour``: INTERSOS GBV case worker too (assigned to no case unless a test assigns her)
- ``dilan``: DAMA MHPSS worker
- ``sara``: IOM service mapper (keeps IOM's entries in the service directory)
- ``faris`` (a fixture of his own, like nadia's): the surveillance officer (EWARN focal point)
  of the Duhok Directorate of Health, a government organisation of its own
- ``nadia`` (a fixture of her own, so that the others' member lists stay as they are): IOM's
  organisation admin who is also one of its information managers (second factor required), the
  target in the security findings' tests and the matrix's half-signed-in persona
- ``salam`` and ``huda`` (fixtures of their own): IOM assistance officers; a list one of them
  builds is approved by the other
- ``rawa`` (a fixture of her own): IOM feedback officer at the Haj Ali help desk; reads and
  handles IOM's feedback but not its sensitive items
- ``jwan`` (a fixture of her own): IOM feedback officer whom IOM names its focal point for
  sensitive feedback (sexual exploitation and abuse, fraud, safety, data breach) once a test
  names her (``feedback.services.focal_point_name``)
- ``lina`` (a fixture of her own): INTERSOS feedback officer, to whom feedback outside IOM's
  scope is referred
- ``tariq`` (a fixture of his own): the Shelter/NFI cluster coordinator, an information manager
  of UNHCR (the cluster's lead agency in Iraq, made the first time it is asked for) and a
  coordinator (``coordination.ClusterMember``) of the "snfi" cluster: he reads every
  partner's Shelter/NFI rows, locks and reopens reporting periods

Admins have a confirmed authenticator (``totp_code`` gives its codes); ``client()`` is a session
that has given its second factor, ``password_only_client()`` one that has not.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from nahrain.core import services
from nahrain.core.access import requires_second_factor
from nahrain.core.models import Organisation, OrganisationType, Role

PASSWORD = "correct horse battery staple 7"  # noqa: S105 (test accounts only)


@dataclass
class Persona:
    user: User
    organisation: Organisation | None

    def client(self) -> Client:
        """A browser session signed in as this persona (second factor given where required)."""
        client = self.password_only_client()
        device = TOTPDevice.objects.filter(user=self.user, confirmed=True).first()
        if device is not None:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    def password_only_client(self) -> Client:
        """A browser session signed in with the password alone: no second factor given."""
        client = Client()
        client.force_login(self.user)
        return client

    def token(self, *, with_second_factor: bool | None = None) -> str:
        """A token secret; by default issued as the token page issues it to this persona (with
        a second factor for admins)."""
        if with_second_factor is None:
            with_second_factor = requires_second_factor(self.user)
        _token, secret = services.api_token_create(
            user=self.user, name="test", with_second_factor=with_second_factor
        )
        return secret

    def totp_code(self, *, steps_ahead: int = 0) -> str:
        """The code the persona's authenticator app shows now (or ``steps_ahead`` steps of 30
        seconds later: the server accepts one step of drift, and each step's code once)."""
        device = TOTPDevice.objects.get(user=self.user, confirmed=True)
        code = totp(device.bin_key, device.step, device.t0, device.digits, drift=steps_ahead)
        return str(code).zfill(device.digits)


@dataclass
class Personas:
    iom: Organisation
    intersos: Organisation
    dama: Organisation
    outside_org: Organisation
    layla: Persona
    omar: Persona
    shilan: Persona
    ahmed: Persona
    outsider: Persona
    hana: Persona
    iom_admin: Persona
    intersos_admin: Persona
    root: Persona
    rania: Persona
    karim: Persona
    zainab: Persona
    nour: Persona
    dilan: Persona
    sara: Persona


def _person(username: str, organisation: Organisation | None, role: str | None) -> Persona:
    user = services.user_create(
        username=username, password=PASSWORD, is_platform_admin=organisation is None
    )
    if organisation is not None and role is not None:
        services.membership_add(actor=None, user=user, organisation=organisation, role=role)
    if requires_second_factor(user):
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return Persona(user=user, organisation=organisation)


@pytest.fixture
def personas(db: None) -> Personas:
    def org(name: str, acronym: str, kind: str) -> Organisation:
        return services.organisation_create(actor=None, name=name, acronym=acronym, type=kind)

    iom = org("International Organization for Migration", "IOM", OrganisationType.UN_AGENCY)
    intersos = org("INTERSOS", "INTERSOS", OrganisationType.INGO)
    dama = org("DAMA Organization", "DAMA", OrganisationType.NNGO)
    outside_org = org("Outside Relief", "ORF", OrganisationType.NNGO)
    return Personas(
        iom=iom,
        intersos=intersos,
        dama=dama,
        outside_org=outside_org,
        layla=_person("layla", iom, Role.INFORMATION_MANAGER),
        omar=_person("omar", iom, Role.SITE_MANAGER),
        shilan=_person("shilan", intersos, Role.CASE_WORKER),
        ahmed=_person("ahmed", dama, Role.VIEWER),
        outsider=_person("outsider", outside_org, Role.DATA_ENTRY),
        hana=_person("hana", iom, Role.DATA_ENTRY),
        iom_admin=_person("iom_admin", iom, Role.ORG_ADMIN),
        intersos_admin=_person("intersos_admin", intersos, Role.ORG_ADMIN),
        root=_person("root", None, None),
        rania=_registrar("rania", iom, export=True),
        karim=_registrar("karim", intersos, export=False),
        zainab=_person("zainab", intersos, Role.GBV_CASE_WORKER),
        nour=_person("nour", intersos, Role.GBV_CASE_WORKER),
        dilan=_person("dilan", dama, Role.MHPSS_WORKER),
        sara=_person("sara", iom, Role.SERVICE_MAPPER),
    )


def _registrar(username: str, organisation: Organisation, *, export: bool) -> Persona:
    persona = _person(username, organisation, Role.REGISTRATION_OFFICER)
    if export:
        services.membership_add(
            actor=None,
            user=persona.user,
            organisation=organisation,
            role=Role.PERSONAL_DATA_EXPORT,
        )
    return persona


@pytest.fixture
def nadia(personas: Personas) -> Persona:
    persona = _person("nadia", personas.iom, Role.INFORMATION_MANAGER)
    services.membership_add(
        actor=None, user=persona.user, organisation=personas.iom, role=Role.ORG_ADMIN
    )
    TOTPDevice.objects.create(user=persona.user, name="authenticator", confirmed=True)
    return persona


DUHOK_DOH = ("Duhok Directorate of Health", "DoH Duhok")


def duhok_directorate() -> Organisation:
    """The Duhok Directorate of Health, made the first time it is asked for."""
    name, acronym = DUHOK_DOH
    found = Organisation.objects.filter(acronym=acronym).first()
    if found is not None:
        return found
    return services.organisation_create(
        actor=None, name=name, acronym=acronym, type=OrganisationType.GOVERNMENT
    )


@pytest.fixture
def faris(personas: Personas) -> Persona:
    return _person("faris", duhok_directorate(), Role.SURVEILLANCE_OFFICER)


@pytest.fixture
def salam(personas: Personas) -> Persona:
    return _person("salam", personas.iom, Role.ASSISTANCE_OFFICER)


@pytest.fixture
def huda(personas: Personas) -> Persona:
    return _person("huda", personas.iom, Role.ASSISTANCE_OFFICER)


@pytest.fixture
def rawa(personas: Personas) -> Persona:
    return _person("rawa", personas.iom, Role.FEEDBACK_OFFICER)


@pytest.fixture
def jwan(personas: Personas) -> Persona:
    return _person("jwan", personas.iom, Role.FEEDBACK_OFFICER)


@pytest.fixture
def lina(personas: Personas) -> Persona:
    return _person("lina", personas.intersos, Role.FEEDBACK_OFFICER)


UNHCR = ("United Nations High Commissioner for Refugees", "UNHCR")


@pytest.fixture
def tariq(personas: Personas) -> Persona:
    from nahrain.coordination.models import ClusterRole
    from nahrain.coordination.services import cluster_member_add

    name, acronym = UNHCR
    unhcr = Organisation.objects.filter(acronym=acronym).first() or services.organisation_create(
        actor=None, name=name, acronym=acronym, type=OrganisationType.UN_AGENCY
    )
    persona = _person("tariq", unhcr, Role.INFORMATION_MANAGER)
    cluster_member_add(actor=None, user=persona.user, cluster="snfi", role=ClusterRole.COORDINATOR)
    return persona
