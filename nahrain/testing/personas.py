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
"""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
import pytest
from django.contrib.auth.models import User
from django.test import Client

from nahrain.core import services
from nahrain.core.models import Organisation, OrganisationType, Role, TotpDevice

PASSWORD = "correct horse battery staple 7"  # noqa: S105 (test accounts only)


@dataclass
class Persona:
    user: User
    organisation: Organisation | None

    def client(self) -> Client:
        """A browser session signed in as this persona (second factor given where required)."""
        client = Client()
        client.force_login(self.user)
        if TotpDevice.objects.filter(user=self.user).exists():
            session = client.session
            session["nahrain_2fa_verified"] = True
            session.save()
        return client

    def token(self) -> str:
        _token, secret = services.api_token_create(user=self.user, name="test")
        return secret


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


def _person(username: str, organisation: Organisation | None, role: str | None) -> Persona:
    user = services.user_create(
        username=username, password=PASSWORD, is_platform_admin=organisation is None
    )
    if organisation is not None and role is not None:
        services.membership_add(actor=None, user=user, organisation=organisation, role=role)
    if organisation is None or role == Role.ORG_ADMIN:
        TotpDevice.objects.create(user=user, secret=pyotp.random_base32())
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
    )
