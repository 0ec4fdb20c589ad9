"""Setting up a deployment: organisations, invitations, roles; through the pages (as the
personas) and the command line."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nahrain.core import services
from nahrain.core.models import AuditEvent, EnrolmentLink, Invitation, Membership, Organisation
from nahrain.testing.personas import Personas

pytestmark = pytest.mark.django_db

PASSWORD = "a long new passphrase 31"


def _invite(client: Client, organisation: Organisation, **fields: str) -> tuple[int, str]:
    answer = client.post(
        reverse("core:invite", kwargs={"organisation_id": organisation.pk}),
        {"email": "new@example.org", "role": "viewer", **fields},
    )
    link = re.search(r'class="secret">([^<]+)<', answer.content.decode())
    return answer.status_code, link[1] if link else ""


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_a_platform_admin_registers_an_organisation(personas: Personas) -> None:
    answer = personas.root.client().post(
        reverse("core:organisation_create"),
        {"name": "Kurdistan Relief", "acronym": "KRF", "type": "nngo"},
    )
    organisation = Organisation.objects.get(acronym="KRF")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("core:members", args=[organisation.pk])
    assert AuditEvent.objects.filter(
        action="organisation.create", actor=personas.root.user, object_id=str(organisation.pk)
    ).exists()
    again = personas.root.client().post(
        reverse("core:organisation_create"),
        {"name": "Kurdistan Relief", "acronym": "KRF", "type": "nngo"},
    )
    assert again.status_code == 200
    assert Organisation.objects.filter(acronym="KRF").count() == 1


def test_an_organisation_admin_invites_into_her_organisation_with_a_link_never_cached(
    personas: Personas,
) -> None:
    client = personas.iom_admin.client()
    form = client.get(reverse("core:invite", args=[personas.iom.pk])).content.decode()
    assert "platform_admin" not in form
    answer = client.post(
        reverse("core:invite", args=[personas.iom.pk]),
        # The field she is not offered is ignored if sent.
        {"username": "zeina", "email": "z@example.org", "role": "viewer", "platform_admin": "on"},
    )
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    zeina = User.objects.get(username="zeina")
    assert not zeina.has_usable_password()
    assert not zeina.is_superuser
    assert Membership.objects.filter(user=zeina, organisation=personas.iom, role="viewer").exists()
    actions = set(
        AuditEvent.objects.filter(actor=personas.iom_admin.user).values_list("action", flat=True)
    )
    assert {"user.invite", "invitation.create", "membership.add"} <= actions
    assert "/accounts/invitation/" in answer.content.decode()


@pytest.mark.parametrize("who", ["layla", "intersos_admin", "ahmed"])
def test_only_an_organisations_admins_invite_into_it(personas: Personas, who: str) -> None:
    status, link = _invite(getattr(personas, who).client(), personas.iom, username="zeina")
    assert (status, link) == (404, "")
    assert not User.objects.filter(username="zeina").exists()


def test_a_platform_admin_may_invite_a_platform_admin_and_nobody_else_may(
    personas: Personas,
) -> None:
    status, _link = _invite(
        personas.root.client(), personas.dama, username="tariq", platform_admin="on"
    )
    assert status == 200
    assert User.objects.get(username="tariq").is_superuser
    with pytest.raises(PermissionDenied):
        services.user_invite(
            actor=personas.iom_admin.user,
            username="sneaky",
            email="s@example.org",
            organisation=personas.iom,
            role="viewer",
            platform_admin=True,
        )


def test_an_invitation_sets_a_valid_password_once_and_signs_in(personas: Personas) -> None:
    _status, link = _invite(personas.iom_admin.client(), personas.iom, username="zeina")
    visitor = Client()
    assert visitor.get(_path(link)).status_code == 200
    weak = visitor.post(_path(link), {"new_password1": "zeina123", "new_password2": "zeina123"})
    assert weak.status_code == 200
    assert not User.objects.get(username="zeina").has_usable_password()
    done = visitor.post(_path(link), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("core:home")
    assert visitor.get(reverse("core:home")).status_code == 200
    assert authenticate(username="zeina", password=PASSWORD) is not None
    assert AuditEvent.objects.filter(action="invitation.accept").count() == 1
    # Spent: the link opens no more, even for someone who knows it.
    assert Client().get(_path(link)).status_code == 404
    assert Client().post(_path(link), {"new_password1": "x", "new_password2": "x"}).status_code == (
        404
    )


def test_an_expired_or_forged_invitation_opens_nothing(personas: Personas) -> None:
    _status, link = _invite(personas.iom_admin.client(), personas.iom, username="zeina")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(_path(link)).status_code == 404
    assert Client().get(_path(link)[:-3] + "abc/").status_code == 404


def test_an_invited_admin_goes_on_to_set_up_the_authenticator(personas: Personas) -> None:
    _status, link = _invite(
        personas.iom_admin.client(), personas.iom, username="rana", role="org_admin"
    )
    visitor = Client()
    done = visitor.post(_path(link), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    enrolment = EnrolmentLink.objects.get(user__username="rana")
    assert enrolment.created_by == personas.iom_admin.user
    assert done["Location"].startswith("/accounts/2fa/enrol/")
    page = visitor.get(done["Location"])
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    # Until the authenticator is set up, nothing else opens.
    assert visitor.get(reverse("core:home"))["Location"].startswith(reverse("core:two_factor"))


def test_members_see_the_members_and_admins_give_and_take_roles(personas: Personas) -> None:
    members = reverse("core:members", args=[personas.iom.pk])
    listing = personas.layla.client().get(members).content.decode()
    assert "hana" in listing and "Data entry" in listing
    assert reverse("core:invite", args=[personas.iom.pk]) not in listing
    assert personas.ahmed.client().get(members).status_code == 404

    admin = personas.iom_admin.client()
    assert admin.post(members, {"username": "hana", "role": "viewer"}).status_code == 302
    assert Membership.objects.filter(user=personas.hana.user, role="viewer").exists()
    # Someone of another organisation is invited, not given a role by name.
    refused = admin.post(members, {"username": "shilan", "role": "viewer"})
    assert refused.status_code == 200
    assert not Membership.objects.filter(user=personas.shilan.user, organisation=personas.iom)

    held = Membership.objects.get(user=personas.hana.user, role="data_entry")
    revoke = reverse("core:membership_revoke", args=[personas.iom.pk, held.pk])
    assert personas.intersos_admin.client().post(revoke).status_code == 404
    assert personas.layla.client().post(revoke).status_code == 404
    # Through another organisation's address, the same 404.
    elsewhere = reverse("core:membership_revoke", args=[personas.intersos.pk, held.pk])
    assert personas.intersos_admin.client().post(elsewhere).status_code == 404
    assert admin.post(revoke).status_code == 302
    assert not Membership.objects.filter(pk=held.pk).exists()
    assert AuditEvent.objects.filter(
        action="membership.remove", actor=personas.iom_admin.user, object_id=str(held.pk)
    ).exists()


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_command_line_sets_up_organisations_users_and_roles(db: None) -> None:
    _run("org", "create", "--name", "INTERSOS", "--acronym", "INTERSOS", "--type", "ingo")
    assert "INTERSOS" in _run("org", "list")
    with pytest.raises(CommandError, match="Acronym already exists"):
        _run("org", "create", "--name", "Other", "--acronym", "INTERSOS", "--type", "ingo")

    printed = _run(
        *("user", "invite", "shilan", "--email", "s@example.org"),
        *("--organisation", "INTERSOS", "--role", "case_worker"),
    )
    token = re.search(r"/accounts/invitation/([^/]+)/", printed)
    assert token is not None, printed
    invitation = Invitation.objects.get(user__username="shilan")
    assert invitation.created_by is None
    assert Client().get(reverse("core:invitation", args=[token[1]])).status_code == 200

    # A lost or expired link is replaced until a password is chosen, never after.
    Invitation.objects.update(expires_at=timezone.now())
    again = _run("user", "invitation-link", "shilan")
    assert Client().get(_path(again.strip())).status_code == 200
    assert Invitation.objects.filter(user__username="shilan").count() == 2

    printed = _run(
        *("user", "invite", "boss", "--email", "b@example.org", "--password"),
        *("--organisation", "INTERSOS", "--role", "org_admin"),
    )
    password = re.search(r"password: (\S+)", printed)
    assert password is not None
    assert authenticate(username="boss", password=password[1]) is not None
    assert "/accounts/2fa/enrol/" in printed
    with pytest.raises(CommandError, match="has chosen a password already"):
        _run("user", "invitation-link", "boss")

    _run("user", "grant", "shilan", "--organisation", "INTERSOS", "--role", "viewer")
    assert set(
        Membership.objects.filter(user__username="shilan").values_list("role", flat=True)
    ) == {
        "case_worker",
        "viewer",
    }
    _run("user", "revoke", "shilan", "--organisation", "INTERSOS", "--role", "case_worker")
    with pytest.raises(CommandError, match="is not case_worker at INTERSOS"):
        _run("user", "revoke", "shilan", "--organisation", "INTERSOS", "--role", "case_worker")


@pytest.mark.parametrize(
    "command",
    [
        (
            "user",
            "invite",
            "x",
            "--email",
            "x@example.org",
            "--organisation",
            "IOM",
            "--role",
            "viewer",
        ),
        ("user", "grant", "x", "--organisation", "IOM", "--role", "viewer"),
        ("dtm", "--organisation", "IOM", "rounds"),
        ("collect", "--organisation", "IOM", "publish-forms"),
    ],
)
def test_a_missing_organisation_is_named_with_how_to_create_it(
    db: None, command: tuple[str, ...]
) -> None:
    with pytest.raises(CommandError) as refused:
        _run(*command)
    assert str(refused.value).startswith(
        "no organisation 'IOM': create it with nahrain org create --name NAME --acronym IOM"
    )


@pytest.mark.parametrize(
    ("language", "heading"), [("ar", "أعضاء INTERSOS"), ("ckb", "ئەندامانی INTERSOS")]
)
def test_the_members_page_speaks_arabic_and_kurdish_right_to_left(
    personas: Personas, language: str, heading: str
) -> None:
    client = personas.intersos_admin.client()
    client.cookies["django_language"] = language
    page = client.get(reverse("core:members", args=[personas.intersos.pk])).content.decode()
    assert 'dir="rtl"' in page
    assert heading in page
