"""The security findings of probing the server as an attacker, each replayed with the steps
that found it; every exploit must now fail.

1. The second factor could be skipped (a password alone made a working API token).
3. Authenticator codes could be guessed without limit.
4. Anyone could lock users out (and a forged header or a collector's failures counted too).
5. A captured Digest header was accepted again.
6. Answers with personal data could be cached.
7. The first to sign in with an admin's password was shown the new authenticator secret.
"""

from __future__ import annotations

import math
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from nahrain.collect import services as collect_services
from nahrain.collect.models import Submission
from nahrain.collect.tests import permissions as collect_matrix
from nahrain.collect.tests.conftest import assessment_values
from nahrain.collect.tests.odk import Collect, fill_instance, multipart
from nahrain.core import services
from nahrain.core.models import ApiToken, AttemptCounter, AttemptScope, AuditEvent
from nahrain.displacement.tests import permissions as dtm_matrix
from nahrain.testing.permissions import World
from nahrain.testing.personas import PASSWORD, Persona, Personas

pytestmark = pytest.mark.django_db


def sign_in(
    client: Client, username: str, password: str = PASSWORD, forwarded_for: str = ""
) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post(
        reverse("core:login"), {"username": username, "password": password}, headers=headers
    )
    return response.status_code


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def world(personas: Personas, nadia: Persona) -> World:
    return World(personas, nadia)


# --- 1. the second factor is part of being signed in ------------------------------------------


def test_a_password_alone_no_longer_creates_a_token(nadia: Persona) -> None:
    client = Client()
    assert sign_in(client, "nadia") == 302
    response = client.post(reverse("core:api_tokens"), {"name": "stolen"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:two_factor"))
    assert not ApiToken.objects.filter(user=nadia.user).exists()
    api = client.post("/api/v1/tokens", {"name": "stolen"}, content_type="application/json")
    assert api.status_code == 403
    assert not ApiToken.objects.filter(user=nadia.user).exists()


def test_nothing_under_accounts_but_the_second_factor_pages_opens_before_it(
    nadia: Persona,
) -> None:
    client = Client()
    sign_in(client, "nadia")
    for name in ("core:api_tokens", "core:recovery_codes", "core:enrolment_links", "core:home"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("core:two_factor")), name
    assert client.get(reverse("core:two_factor")).status_code == 200
    assert client.get(reverse("core:recovery")).status_code == 200


def test_an_admin_token_issued_without_a_second_factor_reads_and_validates_nothing(
    world: World, nadia: Persona, personas: Personas
) -> None:
    old = nadia.token(with_second_factor=False)  # as every token was issued before the fix
    submission = collect_matrix.submission(world).kwargs["uid"]
    draft = dtm_matrix.draft_round(world).kwargs["round_uid"]
    for method, url in (
        ("GET", f"/api/v1/organisations/{personas.iom.pk}/members"),
        ("GET", f"/api/v1/collect/submissions/{submission}/key-informant"),
        ("POST", f"/api/v1/dtm/rounds/{draft}/validate"),
    ):
        assert Client().generic(method, url, headers=bearer(old)).status_code == 401, url
    assert not AuditEvent.objects.filter(action="key_informant.read").exists()


def test_a_token_needs_a_current_code_again_even_in_a_verified_session(
    nadia: Persona, personas: Personas
) -> None:
    client = Client()
    sign_in(client, "nadia")
    assert client.post(reverse("core:two_factor"), {"code": nadia.totp_code()}).status_code == 302
    refused = client.post(reverse("core:api_tokens"), {"name": "mine", "code": "000000"})
    assert refused.status_code == 200
    assert not ApiToken.objects.filter(user=nadia.user).exists()
    # The one-second wait after a wrong code passes.
    TOTPDevice.objects.filter(user=nadia.user).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=2)
    )
    # The code just given at sign-in is spent; the authenticator's next one is accepted.
    made = client.post(
        reverse("core:api_tokens"), {"name": "mine", "code": nadia.totp_code(steps_ahead=1)}
    )
    assert made.status_code == 200
    token = ApiToken.objects.get(user=nadia.user)
    assert token.with_second_factor
    secret = made.context["new_secret"]
    members = Client().get(
        f"/api/v1/organisations/{personas.iom.pk}/members", headers=bearer(secret)
    )
    assert members.status_code == 200


def test_a_token_of_a_user_who_later_becomes_an_admin_stops_working(
    personas: Personas,
) -> None:
    secret = personas.layla.token()
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    services.membership_add(
        actor=None, user=personas.layla.user, organisation=personas.iom, role="org_admin"
    )
    assert Client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_lost_phone_is_replaced_by_recovery_codes_each_good_once(nadia: Persona) -> None:
    codes = services.recovery_codes_generate(user=nadia.user)
    assert len(codes) == 10
    client = Client()
    sign_in(client, "nadia")
    used = client.post(reverse("core:recovery"), {"code": codes[0]})
    assert used.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    again = Client()
    sign_in(again, "nadia")
    assert again.post(reverse("core:recovery"), {"code": codes[0]}).status_code == 200
    assert again.get(reverse("core:home")).status_code == 302
    assert AuditEvent.objects.filter(action="recovery_code.use", actor=nadia.user).count() == 1
    # A verified session makes new ones, which replace the old.
    page = client.post(reverse("core:recovery_codes"))
    assert "no-store" in page["Cache-Control"]
    assert codes[1] not in page.content.decode()
    assert len(page.context["codes"]) == 10
    assert AuditEvent.objects.filter(action="recovery_codes.generate").count() == 2
    assert not services.recovery_code_use(user=nadia.user, code=codes[1])


# --- 3. authenticator codes cannot be guessed without limit -----------------------------------


def test_fifteen_hundred_wrong_codes_are_mostly_not_even_checked(nadia: Persona) -> None:
    client = Client()
    sign_in(client, "nadia")
    started = timezone.now()
    for guess in range(1500):
        client.post(reverse("core:two_factor"), {"code": f"{guess:06d}"})
    seconds = (timezone.now() - started).total_seconds()
    device = TOTPDevice.objects.get(user=nadia.user)
    # Checked: the first guess, then one each time the wait (1, 2, 4... seconds) ran out.
    assert device.throttling_failure_count <= math.log2(seconds + 1) + 1
    right = client.post(reverse("core:two_factor"), {"code": nadia.totp_code()})
    assert right.status_code == 200
    assert "Try again in" in right.content.decode()
    assert client.get(reverse("core:home")).status_code == 302


def _codes_checked_in(nadia: Persona, period: timedelta) -> tuple[int, timedelta]:
    """Codes an attacker gets checked trying each time the wait runs out, and the longest wait."""
    device = TOTPDevice.objects.get(user=nadia.user)
    clock = [timezone.now()]
    checked, longest = 0, timedelta(0)
    with mock.patch("django_otp.models.timezone.now", lambda: clock[0]):
        start = clock[0]
        while clock[0] - start < period:
            device.refresh_from_db()
            allowed, data = device.verify_is_allowed()
            if not allowed:
                longest = max(longest, data["locked_until"] - clock[0])
                clock[0] = data["locked_until"]
                continue
            checked += 1
            assert not services.totp_verify(device=device, code="000000")
    return checked, longest


def test_an_attacker_checks_sixteen_codes_an_hour_and_the_owner_never_waits_long(
    nadia: Persona,
) -> None:
    """Attempts at 0, 1, 3, 7, ... 1023 seconds, then one each 512 seconds."""
    assert _codes_checked_in(nadia, timedelta(hours=1)) == (16, timedelta(seconds=512))


def test_an_attacker_checks_177_codes_a_day(nadia: Persona) -> None:
    checked, longest = _codes_checked_in(nadia, timedelta(days=1))
    assert (checked, longest) == (177, timedelta(seconds=512))


def test_recovery_codes_are_throttled_alike(nadia: Persona) -> None:
    codes = services.recovery_codes_generate(user=nadia.user)
    client = Client()
    sign_in(client, "nadia")
    client.post(reverse("core:recovery"), {"code": "wrongcode"})
    blocked = client.post(reverse("core:recovery"), {"code": codes[0]})
    assert blocked.status_code == 200
    assert "Try again in" in blocked.content.decode()


# --- 4. nobody can lock users out ---------------------------------------------------------------


def test_five_wrong_passwords_do_not_keep_the_owner_out_of_her_known_device(
    personas: Personas,
) -> None:
    laptop = Client()
    assert sign_in(laptop, "layla") == 302  # a full sign-in: the laptop becomes a known device
    laptop.post(reverse("core:logout"))
    attacker = Client()
    for _ in range(8):
        sign_in(attacker, "layla", "guess")
    refused = attacker.post(reverse("core:login"), {"username": "layla", "password": PASSWORD})
    assert "Try again in" in refused.content.decode()
    assert sign_in(laptop, "layla") == 302


def test_after_the_wait_the_right_password_works_from_anywhere(personas: Personas) -> None:
    for _ in range(5):
        sign_in(Client(), "layla", "guess")
    assert sign_in(Client(), "layla") == 200  # wait one second
    AttemptCounter.objects.update(last_attempt_at=timezone.now() - timedelta(seconds=1))
    assert sign_in(Client(), "layla") == 302


def test_a_forged_forwarded_for_header_does_not_change_the_counted_address(
    personas: Personas,
) -> None:
    sign_in(Client(), "layla", "guess", forwarded_for="203.0.113.9")
    assert AttemptCounter.objects.filter(key="address:127.0.0.1").exists()
    assert not AttemptCounter.objects.filter(key="address:203.0.113.9").exists()


def test_behind_the_trusted_proxy_each_client_address_is_counted_apart(
    personas: Personas, settings: object
) -> None:
    settings.NAHRAIN_TRUSTED_PROXY_HEADER = "X-Forwarded-For"  # type: ignore[attr-defined]
    settings.NAHRAIN_TRUSTED_PROXY_COUNT = 1  # type: ignore[attr-defined]
    # The client forges an entry; the proxy appends the address it saw.
    sign_in(Client(), "layla", "guess", forwarded_for="10.9.9.9, 198.51.100.7")
    sign_in(Client(), "omar", "guess", forwarded_for="198.51.100.8")
    keys = set(
        AttemptCounter.objects.filter(key__startswith="address:").values_list("key", flat=True)
    )
    assert keys == {"address:198.51.100.7", "address:198.51.100.8"}


def test_fifty_bad_digest_headers_delay_neither_web_sign_in_nor_another_collector(
    world: World, personas: Personas
) -> None:
    collect_matrix.field_set_up(world)
    target, password = collect_services.collector_create(
        actor=personas.layla.user, organisation=personas.iom, username="rart09"
    )
    colleague, colleague_password = collect_services.collector_create(
        actor=personas.layla.user, organisation=personas.iom, username="rart07"
    )
    thief = Collect(Client(), "rart09", "not the password")
    answers = {thief.get("/openrosa/formList").status_code for _ in range(50)}
    assert answers == {401, 429}  # the guessed account soon waits between attempts
    # From the same address (one office, one NAT): a person signs in to the web, and another
    # collector's phone is let in.
    assert sign_in(Client(), "layla") == 302
    phone = Collect(Client(), colleague.username, colleague_password)
    assert phone.get("/openrosa/formList").status_code == 200
    assert not AttemptCounter.objects.filter(scope=AttemptScope.WEB, failures__gt=0).exists()
    # The guessed account waits, it is not locked: once its wait is over its phone gets in.
    AttemptCounter.objects.update(last_attempt_at=timezone.now() - timedelta(hours=1))
    owner = Collect(Client(), target.username, password)
    assert owner.get("/openrosa/formList").status_code == 200


# --- 5. a captured Digest header is not accepted again ----------------------------------------


def test_a_captured_digest_header_is_refused_for_a_second_submission(
    world: World, personas: Personas
) -> None:
    assessment, _collector = collect_matrix.field_set_up(world)
    account, password = collect_services.collector_create(
        actor=personas.layla.user, organisation=personas.iom, username="rart08"
    )
    phone = Collect(Client(), account.username, password)
    phone.request("HEAD", "/openrosa/submission")
    captured = phone._authorization("POST", "/openrosa/submission")
    first = fill_instance(assessment.xml, assessment_values(), instance_id="uuid:first")
    body, content_type = multipart(first)
    sent = Client().post(
        "/openrosa/submission",
        body,
        content_type=content_type,
        headers={"Authorization": captured, "X-OpenRosa-Version": "1.0"},
    )
    assert sent.status_code == 201
    second = fill_instance(assessment.xml, assessment_values(), instance_id="uuid:second")
    body, content_type = multipart(second)
    replayed = Client().post(
        "/openrosa/submission",
        body,
        content_type=content_type,
        headers={"Authorization": captured, "X-OpenRosa-Version": "1.0"},
    )
    assert replayed.status_code == 401
    assert list(
        Submission.objects.filter(collector=account).values_list("instance_id", flat=True)
    ) == ["uuid:first"]


# --- 6. personal data is not cached -----------------------------------------------------------


def test_the_key_informant_page_and_api_are_not_cached(world: World, personas: Personas) -> None:
    uid = collect_matrix.submission(world).kwargs["uid"]
    page = personas.layla.client().post(reverse("collect:key_informant", kwargs={"uid": uid}))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    api = Client().get(
        f"/api/v1/collect/submissions/{uid}/key-informant",
        headers=bearer(personas.layla.token()),
    )
    assert api.status_code == 200
    assert "no-store" in api["Cache-Control"]


def test_member_lists_and_the_audit_log_are_not_cached(personas: Personas) -> None:
    members = Client().get(
        f"/api/v1/organisations/{personas.iom.pk}/members",
        headers=bearer(personas.layla.token()),
    )
    assert "no-store" in members["Cache-Control"]
    # Django's admin marks its own pages never-cache.
    root = personas.root.client()
    for url in (
        "/admin/core/auditevent/",
        f"/admin/core/auditevent/{AuditEvent.objects.first().pk}/change/",  # type: ignore[union-attr]
        f"/admin/core/organisation/{personas.iom.pk}/change/",
    ):
        page = root.get(url)
        assert page.status_code == 200, url
        assert "no-store" in page["Cache-Control"], url


# --- 7. no secret for whoever signs in first ----------------------------------------------------


def test_an_admin_without_an_authenticator_sees_no_secret_only_a_request_for_a_link(
    nadia: Persona,
) -> None:
    TOTPDevice.objects.filter(user=nadia.user).delete()
    client = Client()
    sign_in(client, "nadia")
    page = client.get(reverse("core:two_factor")).content.decode()
    assert "enrolment link" in page
    assert "<svg" not in page and "secret=" not in page
    assert not TOTPDevice.objects.filter(user=nadia.user).exists()


def test_an_enrolment_link_shows_the_secret_to_its_user_once(
    nadia: Persona, personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    TOTPDevice.objects.filter(user=nadia.user).delete()
    call_command("user", "enrolment-link", "nadia")
    url = capsys.readouterr().out.strip()
    path = url.removeprefix("http://127.0.0.1:8000")
    assert path.startswith("/accounts/2fa/enrol/")
    # Another admin's password opens nothing with it.
    other = Client()
    sign_in(other, "iom_admin")
    assert other.get(path).status_code == 404
    client = Client()
    sign_in(client, "nadia")
    page = client.get(path)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "<svg" in page.content.decode()
    new = TOTPDevice.objects.get(user=nadia.user, confirmed=False)
    done = client.post(path, {"code": str(totp(new.bin_key)).zfill(6)})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    assert "no-store" in done["Cache-Control"]
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get(path).status_code == 404  # spent
    assert AuditEvent.objects.filter(action="second_factor.enrol", actor=nadia.user).exists()
    assert AuditEvent.objects.filter(action="enrolment_link.create", actor=None).exists()


def test_an_expired_or_forged_enrolment_link_opens_nothing(nadia: Persona) -> None:
    token = services.enrolment_link_create(actor=None, user=nadia.user)
    client = Client()
    sign_in(client, "nadia")
    forged = reverse("core:enrol", kwargs={"token": token[:-2] + "xx"})
    assert client.get(forged).status_code == 404
    nadia.user.enrolment_links.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("core:enrol", kwargs={"token": token})).status_code == 404


def test_a_platform_admin_makes_an_enrolment_link_for_an_organisation_admin(
    personas: Personas,
) -> None:
    root = personas.root.client()
    made = root.post(reverse("core:enrolment_links"), {"username": "iom_admin"})
    assert made.status_code == 200
    assert "/accounts/2fa/enrol/" in made.context["link"]
    refused = root.post(reverse("core:enrolment_links"), {"username": "layla"})
    assert refused.context["link"] is None
    assert personas.iom_admin.client().get(reverse("core:enrolment_links")).status_code == 404


def test_an_attacker_holding_the_password_cannot_keep_the_owner_out_of_her_known_browser(
    nadia: Persona,
) -> None:
    laptop = Client()
    sign_in(laptop, "nadia")
    assert laptop.post(reverse("core:two_factor"), {"code": nadia.totp_code()}).status_code == 302
    laptop.post(reverse("core:logout"))  # the laptop is now a browser the account knows
    attacker = Client()
    sign_in(attacker, "nadia")
    for guess in range(20):
        attacker.post(reverse("core:two_factor"), {"code": f"{guess:06d}"})
    device = TOTPDevice.objects.get(user=nadia.user)
    assert not device.verify_is_allowed()[0]  # the authenticator waits for everyone else
    sign_in(laptop, "nadia")
    right = laptop.post(reverse("core:two_factor"), {"code": nadia.totp_code(steps_ahead=1)})
    assert right.status_code == 302
    assert laptop.get(reverse("core:home")).status_code == 200
    # Her own wrong codes on the laptop are counted there, and wait there, apart.
    for guess in range(6):
        laptop.post(reverse("core:logout"))
        sign_in(laptop, "nadia")
        laptop.post(reverse("core:two_factor"), {"code": f"{guess:06d}"})
    waiting = laptop.post(reverse("core:two_factor"), {"code": "123456"})
    assert "Try again in" in waiting.content.decode()
    assert AttemptCounter.objects.filter(scope=AttemptScope.CODE).count() == 1
