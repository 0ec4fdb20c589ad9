"""Core's slice of the demo: the organisations of the response and one user per persona, whose
new passwords (and the platform admin's enrolment link) end the command's output."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from nahrain.core import selectors, services
from nahrain.core.management.commands.user import enrolment_url
from nahrain.core.models import Organisation, OrganisationType, Role
from nahrain.demo.slices import Demo, Slice

ORGANISATIONS = [
    ("International Organization for Migration", "IOM", OrganisationType.UN_AGENCY),
    ("Médecins du Monde", "MdM", OrganisationType.INGO),
    ("International Medical Corps", "IMC", OrganisationType.INGO),
    ("INTERSOS", "INTERSOS", OrganisationType.INGO),
    ("DAMA Organization", "DAMA", OrganisationType.NNGO),
    ("Directorate of Health, Ninewa", "DoH-Ninewa", OrganisationType.GOVERNMENT),
    ("Directorate of Health, Duhok", "DoH-Duhok", OrganisationType.GOVERNMENT),
    ("Directorate of Health, Kirkuk", "DoH-Kirkuk", OrganisationType.GOVERNMENT),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    organisation: str | None
    role: str | None
    platform_admin: bool = False
    # Further roles in the same organisation (a referral focal point who also keeps the
    # organisation's entries in the service directory).
    more_roles: tuple[str, ...] = ()


USERS = [
    DemoUser("admin", "Platform", "Administrator", None, None, platform_admin=True),
    DemoUser("layla.im", "Layla", "Hassan", "IOM", Role.INFORMATION_MANAGER),
    DemoUser("omar.camp", "Omar", "Khalil", "IOM", Role.SITE_MANAGER),
    DemoUser("shilan.case", "Shilan", "Aziz", "INTERSOS", Role.CASE_WORKER),
    DemoUser("ahmed.viewer", "Ahmed", "Saleh", "DAMA", Role.VIEWER),
    DemoUser("sara.mdm", "Sara", "Jamil", "MdM", Role.DATA_ENTRY),
    # Protection and health workers of the referrals slice: GBV case workers and MHPSS workers
    # (who alone read their cases and the GBV or MHPSS referrals to their organisation), and each
    # partner's referral focal point (a case worker, who receives its other referrals) who also
    # keeps its entries in the service directory.
    DemoUser("zainab.gbv", "Zainab", "Qasim", "INTERSOS", Role.GBV_CASE_WORKER),
    DemoUser("nour.gbv", "Nour", "Hamid", "INTERSOS", Role.GBV_CASE_WORKER),
    DemoUser("dilan.mhpss", "Dilan", "Rashid", "DAMA", Role.MHPSS_WORKER),
    DemoUser("hozan.mhpss", "Hozan", "Ali", "IMC", Role.MHPSS_WORKER),
    DemoUser("rebin.map", "Rebin", "Nawzad", "INTERSOS", Role.SERVICE_MAPPER),
    DemoUser(
        "ranj.crc", "Ranj", "Omar", "IOM", Role.CASE_WORKER, more_roles=(Role.SERVICE_MAPPER,)
    ),
    DemoUser(
        "lana.mdm", "Lana", "Yousif", "MdM", Role.CASE_WORKER, more_roles=(Role.SERVICE_MAPPER,)
    ),
    DemoUser(
        "karwan.imc", "Karwan", "Saeed", "IMC", Role.CASE_WORKER, more_roles=(Role.SERVICE_MAPPER,)
    ),
    DemoUser(
        "mustafa.dama",
        "Mustafa",
        "Jasim",
        "DAMA",
        Role.CASE_WORKER,
        more_roles=(Role.SERVICE_MAPPER,),
    ),
    DemoUser(
        "azad.doh",
        "Azad",
        "Sulaiman",
        "DoH-Duhok",
        Role.CASE_WORKER,
        more_roles=(Role.SERVICE_MAPPER,),
    ),
    DemoUser(
        "hiba.doh",
        "Hiba",
        "Younis",
        "DoH-Ninewa",
        Role.CASE_WORKER,
        more_roles=(Role.SERVICE_MAPPER,),
    ),
    DemoUser(
        "kawa.doh",
        "Kawa",
        "Ahmed",
        "DoH-Kirkuk",
        Role.CASE_WORKER,
        more_roles=(Role.SERVICE_MAPPER,),
    ),
    # The health slice: each Directorate of Health's EWARN focal point (who verifies and closes
    # alerts) and the staff who send its PHCCs' weekly reports.
    DemoUser("bahar.ewarn", "Bahar", "Ismail", "DoH-Duhok", Role.SURVEILLANCE_OFFICER),
    DemoUser("yasir.ewarn", "Yasir", "Taha", "DoH-Ninewa", Role.SURVEILLANCE_OFFICER),
    DemoUser("dara.ewarn", "Dara", "Kamal", "DoH-Kirkuk", Role.SURVEILLANCE_OFFICER),
    DemoUser("hawre.phcc", "Hawre", "Jalal", "DoH-Duhok", Role.DATA_ENTRY),
    DemoUser("ali.phcc", "Ali", "Mahmoud", "DoH-Ninewa", Role.DATA_ENTRY),
    DemoUser("sozan.imc", "Sozan", "Faraj", "IMC", Role.DATA_ENTRY),
    DemoUser("rasha.iom", "Rasha", "Adel", "IOM", Role.DATA_ENTRY),
    # The assistance slice: IOM's assistance officers; one builds a list, the other approves it.
    DemoUser("salam.nfi", "Salam", "Yousif", "IOM", Role.ASSISTANCE_OFFICER),
    DemoUser("huda.cash", "Huda", "Karim", "IOM", Role.ASSISTANCE_OFFICER),
    # The feedback slice: IOM's feedback officers (one named the focal point for sensitive
    # feedback by IOM's organisation admin) and INTERSOS's, to whom protection issues go.
    DemoUser("rawa.aap", "Rawa", "Salih", "IOM", Role.FEEDBACK_OFFICER),
    DemoUser("jwan.psea", "Jwan", "Mahmood", "IOM", Role.FEEDBACK_OFFICER),
    DemoUser("dana.admin", "Dana", "Farhad", "IOM", Role.ORG_ADMIN),
    DemoUser("lina.aap", "Lina", "Georges", "INTERSOS", Role.FEEDBACK_OFFICER),
]


@transaction.atomic
def demo_accounts_create() -> dict[str, str]:
    """Create (or reset) the demo organisations and users; returns username -> new password.

    Passwords are generated afresh on every run and printed once: nothing is hard-coded.
    """
    organisations = {}
    for name, acronym, kind in ORGANISATIONS:
        organisation = Organisation.objects.filter(acronym=acronym).first()
        if organisation is None:
            organisation = services.organisation_create(
                actor=None, name=name, acronym=acronym, type=kind
            )
        organisations[acronym] = organisation
    passwords = {}
    for demo in USERS:
        password = secrets.token_urlsafe(12)
        user = User.objects.filter(username=demo.username).first()
        if user is None:
            user = services.user_create(
                username=demo.username,
                password=password,
                first_name=demo.first_name,
                last_name=demo.last_name,
                is_platform_admin=demo.platform_admin,
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        if demo.organisation and demo.role:
            for role in (demo.role, *demo.more_roles):
                services.membership_add(
                    actor=None, user=user, organisation=organisations[demo.organisation], role=role
                )
        passwords[demo.username] = password
    return passwords


def demo_load(demo: Demo) -> None:
    passwords = demo_accounts_create()
    demo.summary.append("\nDemo accounts (passwords are new on every run):")
    for user in USERS:
        roles = ", ".join(r for r in (user.role, *user.more_roles) if r)
        where = f"{roles} at {user.organisation}" if user.organisation else "platform admin"
        demo.summary.append(f"  {user.username:<14} {passwords[user.username]:<18} {where}")
    for admin in (u for u in USERS if u.platform_admin):
        account = User.objects.get(username=admin.username)
        if selectors.second_factor_device(user=account):
            continue
        demo.summary.append(
            f"{admin.username} sets up an authenticator app (TOTP) once, after signing in "
            f"with the password, at this one-time link:\n  {enrolment_url(account)}"
        )


SLICE = Slice(name="core", load=demo_load)
