"""Who may use each endpoint: the one table the permission-matrix test holds every persona to.

Every URL pattern of the project (pages by URL name, API operations by ``METHOD /path`` from the
OpenAPI schema, the Django admin as one group) needs a line in ``ENDPOINTS`` below saying who may
use it, with which method. The test ``nahrain/testing/tests/test_permission_matrix.py`` walks the
URL resolver and fails, naming the line to add, for any pattern without one.

A decision is made of a small vocabulary of grants, combined with ``|``:

- ``PUBLIC``: anyone, signed in or not
- ``SIGNED_IN``: any signed-in user (second factor given where required) or API token
- ``MEMBER``: a member (any role) of the object's organisation
- ``IM``: an information manager of the object's organisation
- ``ANY_IM``: an information manager of any organisation (creating in one's own organisation)
- ``ORG_ADMIN``: an organisation admin of the object's organisation
- ``OWNER``: the user the object belongs to (an API token)
- ``PUBLISHED``: any signed-in user, when the object is published (a DTM round)
- ``PLATFORM_ADMIN``: a platform administrator
- ``COLLECTOR``: a data-collector account of the object's organisation (ODK Collect's own
  credentials; no persona is one, so every persona is refused)
- ``NOBODY``: the method is not allowed (405)

For an endpoint that takes an object, the line names a builder (``draft_round``, ``iom``,
``token``, ...) that creates the object, owned by IOM (and, where a user owns it, by layla, IOM's
information manager), or several (``ROUNDS``: a draft and a published round), each tried with
every persona. Each persona's expected answer follows from the grant:

- granted: the line's ``ok`` code (200 unless said otherwise);
- refused, anonymous: 401 from the API, a redirect to the sign-in page from a page (or the
  line's ``anonymous`` code, e.g. 401 for an endpoint with its own authentication);
- refused, signed in: the line's ``denied`` code (404 unless said otherwise: the gates answer
  "not yours" as they answer "does not exist").

Two more callers are held to the table: an admin signed in with the password alone (second factor
not given), whose session reaches only the lines marked ``before_second_factor`` (elsewhere: a
redirect to the second-factor page, or 403 under /api/), and whose API token, issued without a
second factor, is refused (401) by every API operation. Lines marked ``personal`` (personal data
or a secret in the answer) must answer with ``Cache-Control: no-store`` whenever they grant.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver

# --- the vocabulary ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """A set of grant atoms; ``a | b`` lets in whoever either lets in."""

    atoms: frozenset[str]

    def __or__(self, other: Grant) -> Grant:
        return Grant(self.atoms | other.atoms)

    def __str__(self) -> str:
        return " | ".join(sorted(self.atoms)) or "NOBODY"


PUBLIC = Grant(frozenset({"PUBLIC"}))
SIGNED_IN = Grant(frozenset({"SIGNED_IN"}))
MEMBER = Grant(frozenset({"MEMBER"}))
IM = Grant(frozenset({"IM"}))
ORG_ADMIN = Grant(frozenset({"ORG_ADMIN"}))
ANY_IM = Grant(frozenset({"ANY_IM"}))
OWNER = Grant(frozenset({"OWNER"}))
PUBLISHED = Grant(frozenset({"PUBLISHED"}))
PLATFORM_ADMIN = Grant(frozenset({"PLATFORM_ADMIN"}))
COLLECTOR = Grant(frozenset({"COLLECTOR"}))
NOBODY = Grant(frozenset())

LOGIN = "login"  # a redirect to the sign-in page
SECOND_FACTOR = "second-factor"  # a redirect to the second-factor page (403 under /api/)
REDIRECT = "redirect"  # a redirect anywhere
ANY = "any"  # any answer below 500 that is not a redirect to the sign-in page (admin pages)
Expected = int | str | tuple[int, ...]


@dataclass(frozen=True)
class Who:
    """What the rules need to know about a persona, read from the database."""

    user: User | None
    roles_by_organisation: Mapping[Any, frozenset[str]]
    is_platform_admin: bool
    # Signed in with the password alone by a user who must give a second factor; their API
    # token was issued without one.
    second_factor_owed: bool = False

    @property
    def signed_in(self) -> bool:
        return self.user is not None


@dataclass
class Target:
    """What a builder made: the URL's arguments, the request's body, and who owns the object."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    organisation_id: Any = None
    owner: User | None = None
    published: bool = False
    # Runs on the persona's client before the request (e.g. a pending upload in its session).
    prepare: Callable[[Client], None] | None = None


def granted(grant: Grant, who: Who, target: Target) -> bool:
    """True when the grant lets this persona use the endpoint on this target."""
    atoms = grant.atoms
    if "PUBLIC" in atoms:
        return True
    if who.user is None:
        return False
    roles = who.roles_by_organisation.get(target.organisation_id, frozenset())
    return bool(
        "SIGNED_IN" in atoms
        or ("PLATFORM_ADMIN" in atoms and who.is_platform_admin)
        or ("MEMBER" in atoms and roles)
        or ("IM" in atoms and "information_manager" in roles)
        or ("ORG_ADMIN" in atoms and "org_admin" in roles)
        or (
            "ANY_IM" in atoms
            and any("information_manager" in r for r in who.roles_by_organisation.values())
        )
        or ("OWNER" in atoms and target.owner is not None and target.owner.pk == who.user.pk)
        or ("PUBLISHED" in atoms and target.published)
    )


# --- builders: the objects an endpoint acts on, owned by IOM ----------------------------------


@dataclass
class World:
    """The personas and the objects built once for the whole matrix."""

    personas: Any  # nahrain.testing.personas.Personas
    # The admin who signs in with the password alone (nahrain.testing.personas.nadia).
    nadia: Any = None
    cache: dict[str, Any] = field(default_factory=dict)

    def once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self.cache:
            self.cache[name] = make()
        return self.cache[name]


Builder = Callable[[World], Target]

MASTER_LIST_HEADER = ["Place ID", "Governorate", "District", "Location name", "Families", "Camp"]
MASTER_LIST_ROW = ["9101", "Dahuk", "Zakho", "Zakho centre", "12", "12"]


def master_list_csv() -> bytes:
    """A one-place wide-format IDP master list that imports cleanly."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([MASTER_LIST_HEADER, MASTER_LIST_ROW])
    return buffer.getvalue().encode()


def _gazetteer(world: World) -> None:
    from nahrain.geo import services as geo_services

    world.once("gazetteer", geo_services.gazetteer_load)


def _imported_round(world: World, number: int = 41, status: str = "draft") -> Any:
    """IOM's round ``number`` holding the one-place master list, taken to ``status``."""
    from nahrain.displacement import services

    def make() -> Any:
        _gazetteer(world)
        layla = world.personas.layla.user
        assessment_round = services.round_create(
            actor=layla,
            organisation=world.personas.iom,
            number=number,
            reference_date=date(2019, 4, number % 28 + 1),
        )
        services.round_import(
            actor=layla,
            assessment_round=assessment_round,
            data=master_list_csv(),
            file="matrix.csv",
            population="idp",
        )
        if status in ("validated", "published"):
            services.round_validate(actor=layla, assessment_round=assessment_round)
        if status == "published":
            assessment_round = services.round_publish(
                actor=layla, assessment_round=assessment_round
            )
        return assessment_round

    return world.once(f"round {number} {status}", make)


def nothing(world: World) -> Target:
    return Target()


def iom(world: World) -> Target:
    """IOM itself, as the object of organisation endpoints."""
    return Target(
        kwargs={"organisation_id": world.personas.iom.pk}, organisation_id=world.personas.iom.pk
    )


def token(world: World) -> Target:
    """An API token of layla's."""
    from nahrain.core import services

    made = world.once(
        "token",
        lambda: services.api_token_create(
            user=world.personas.layla.user, name="m", with_second_factor=False
        ),
    )
    return Target(kwargs={"token_id": made[0].pk}, owner=world.personas.layla.user)


# The matrix gives every admin's authenticator this key, so that one current code in a request's
# body serves whichever admin sends it (each cell is rolled back, so the code is never spent).
MATRIX_TOTP_KEY = "3132333435363738393031323334353637383930"


def new_token(world: World) -> Target:
    """A token to create, with a current code of the admins' authenticator (others need none)."""
    from django_otp.oath import totp

    code = str(totp(bytes.fromhex(MATRIX_TOTP_KEY))).zfill(6)
    body = {"name": "matrix", "code": code}
    return Target(json=body, form=body)


def enrolment_link(world: World) -> Target:
    """A one-time enrolment link for nadia, made by the server's operator."""
    from nahrain.core import services

    token = world.once(
        "enrolment link",
        lambda: services.enrolment_link_create(actor=None, user=world.nadia.user),
    )
    return Target(kwargs={"token": token}, owner=world.nadia.user)


def new_enrolment_link(world: World) -> Target:
    """An enrolment link to make for IOM's organisation admin."""
    return Target(form={"username": world.personas.iom_admin.user.get_username()})


def new_organisation(world: World) -> Target:
    """An organisation to register."""
    return Target(form={"name": "Matrix Relief", "acronym": "MXR", "type": "nngo"})


def member_of_iom(world: World) -> Target:
    """IOM, with a role to give its data-entry member hana."""
    return Target(
        kwargs={"organisation_id": world.personas.iom.pk},
        form={"username": world.personas.hana.user.get_username(), "role": "viewer"},
        organisation_id=world.personas.iom.pk,
    )


def new_invitee(world: World) -> Target:
    """IOM, with a newcomer to invite into it."""
    return Target(
        kwargs={"organisation_id": world.personas.iom.pk},
        form={"username": "matrix.invitee", "email": "invitee@example.org", "role": "viewer"},
        organisation_id=world.personas.iom.pk,
    )


def membership(world: World) -> Target:
    """Hana's data-entry role at IOM."""
    from nahrain.core.models import Membership

    held = Membership.objects.get(user=world.personas.hana.user, organisation=world.personas.iom)
    return Target(
        kwargs={"organisation_id": world.personas.iom.pk, "membership_id": held.pk},
        organisation_id=world.personas.iom.pk,
    )


def invitation(world: World) -> Target:
    """A one-time sign-in link of a newcomer invited into IOM by the operator, with the password
    they choose."""
    from nahrain.core import services
    from nahrain.core.models import Role

    def make() -> str:
        _user, token = services.user_invite(
            actor=None,
            username="matrix.newcomer",
            email="newcomer@example.org",
            organisation=world.personas.iom,
            role=Role.VIEWER,
        )
        return token

    password = "matrix newcomer chooses 42"  # noqa: S105 (a test account)
    return Target(
        kwargs={"token": world.once("invitation", make)},
        form={"new_password1": password, "new_password2": password},
    )


def admin_unit(world: World) -> Target:
    _gazetteer(world)
    return Target(kwargs={"pcode": "IQG09"})


def point(world: World) -> Target:
    return Target(query={"lat": "36.86", "lon": "42.99"})


def search(world: World) -> Target:
    _gazetteer(world)
    return Target(query={"q": "Dahuk"})


def draft_round(world: World) -> Target:
    """IOM's draft round 41, imported (one place), neither validated nor published."""
    return _round_target(_imported_round(world))


def _round_target(assessment_round: Any) -> Target:
    return Target(
        kwargs={"round_uid": assessment_round.uid, "other_uid": assessment_round.uid},
        organisation_id=assessment_round.organisation_id,
        published=assessment_round.status == "published",
    )


def validated_round(world: World) -> Target:
    """IOM's validated round 42, ready to publish."""
    return _round_target(_imported_round(world, 42, "validated"))


def published_round(world: World) -> Target:
    """IOM's published round 43, open to every signed-in user."""
    return _round_target(_imported_round(world, 43, "published"))


def round_action(world: World) -> Target:
    target = draft_round(world)
    target.kwargs["action"] = "validate"
    return target


def upload_file(world: World) -> Target:
    """The draft round, and a master list to upload to it."""
    target = draft_round(world)
    target.form = {"file": _named(master_list_csv(), "upload.csv"), "population": "idp"}
    return target


PENDING_TOKEN = "0" * 32


def pending_upload(world: World) -> Target:
    """A previewed upload waiting in the persona's session for confirmation."""
    from nahrain.displacement.views import SESSION_UPLOADS

    target = draft_round(world)
    target.kwargs["token"] = PENDING_TOKEN
    data = master_list_csv()

    def prepare(client: Client) -> None:
        folder = Path(settings.DATA_DIR) / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / PENDING_TOKEN).write_bytes(data)
        session = client.session
        session[SESSION_UPLOADS] = {
            PENDING_TOKEN: {
                "round": str(target.kwargs["round_uid"]),
                "name": "upload.csv",
                "population": "idp",
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        }
        session.save()

    target.prepare = prepare
    return target


def new_round(world: World) -> Target:
    """A round to create for IOM."""
    payload = {
        "organisation_id": str(world.personas.iom.pk),
        "number": 77,
        "reference_date": "2020-01-31",
    }
    return Target(
        json=payload,
        form={"number": "77", "reference_date": "2020-01-31"},
        organisation_id=world.personas.iom.pk,
    )


def _place(world: World, published: bool) -> Target:
    from nahrain.geo.models import AdminUnit, Location

    def make() -> Any:
        from django.utils import timezone

        _gazetteer(world)
        return Location.objects.create(
            owner=world.personas.iom,
            external_id="9201" if published else "9202",
            name_en="Matrix place",
            admin_unit=AdminUnit.objects.get(pcode="IQG09Q04"),
            published_at=timezone.now() if published else None,
        )

    location = world.once(f"place {published}", make)
    return Target(
        kwargs={"location_uid": location.uid},
        json={"name_ar": "مكان"},
        form={"name_en": "Matrix place", "admin_unit": "IQG09Q04"},
        organisation_id=world.personas.iom.pk,
        published=published,
    )


def published_place(world: World) -> Target:
    """A location of IOM's counted in a published round: every signed-in user may read it."""
    return _place(world, published=True)


def draft_place(world: World) -> Target:
    """A location of IOM's that no published round counts yet: IOM's IMs alone know it."""
    return _place(world, published=False)


PLACES = (published_place, draft_place)


def new_movement(world: World) -> Target:
    _imported_round(world)
    payload = {
        "organisation_id": str(world.personas.iom.pk),
        "event": "matrix",
        "date": "2020-02-01",
        "place_id": MASTER_LIST_ROW[0],
        "population": "idp",
        "direction": "arrival",
        "households": 2,
        "individuals": 9,
    }
    return Target(json=payload, organisation_id=world.personas.iom.pk)


def rounds_in_query(
    *names: str, kwargs: dict[str, Any] | None = None, query: dict[str, str] | None = None
) -> tuple[Builder, Builder]:
    """Builders of the draft and the published round for a dashboard page, which names the
    round in its query string (``?round=<uid>``, or ``?base=...&other=...``) rather than its
    path; ``kwargs`` and ``query`` add the page's own arguments."""

    def of(build: Builder) -> Builder:
        def builder(world: World) -> Target:
            target = build(world)
            uid = str(target.kwargs.pop("round_uid"))
            target.kwargs.pop("other_uid", None)
            target.kwargs.update(kwargs or {})
            target.query.update({name: uid for name in names or ("round",)})
            target.query.update(query or {})
            return target

        builder.__name__ = f"{build.__name__}_in_query"
        return builder

    return of(draft_round), of(published_round)


def map_level(world: World) -> Target:
    _gazetteer(world)
    return Target(kwargs={"level": 1})


def import_job(world: World) -> Target:
    """An import job queued on IOM's draft round."""
    from nahrain.displacement.models import ImportJob

    target = draft_round(world)
    job = world.once(
        "import_job",
        lambda: ImportJob.objects.create(
            round_id=_imported_round(world).pk,
            file="upload.csv",
            sha256="0" * 64,
            created_by=world.personas.layla.user,
        ),
    )
    return Target(kwargs={"job_uid": job.uid}, organisation_id=target.organisation_id)


def _field(world: World) -> Any:
    """IOM's forms published, a collector account, and the draft round 125 the form names."""

    def make() -> Any:
        from nahrain.collect import services as collect
        from nahrain.displacement import services as displacement
        from nahrain.geo.models import AdminUnit, Location

        _gazetteer(world)
        from django.utils import timezone

        Location.objects.get_or_create(
            external_id="7001",
            defaults={
                "name_en": "Zakho centre",
                "admin_unit": AdminUnit.objects.get(pcode="IQG09Q04"),
                "published_at": timezone.now(),
            },
        )
        layla, iom_org = world.personas.layla.user, world.personas.iom
        assessment, _tracking = collect.forms_publish(actor=layla, organisation=iom_org)
        collector, _password = collect.collector_create(
            actor=layla, organisation=iom_org, username="matrix01"
        )
        displacement.round_create(
            actor=layla, organisation=iom_org, number=125, reference_date=date(2024, 6, 30)
        )
        return assessment, collector

    return world.once("field", make)


def collector(world: World) -> Target:
    """A data-collector account of IOM's."""
    _assessment, account = _field(world)
    return Target(kwargs={"uid": account.uid}, organisation_id=account.organisation_id)


def submission(world: World) -> Target:
    """A location assessment sent to IOM by its collector, waiting for review (it names a key
    informant)."""
    from nahrain.collect import services as collect
    from nahrain.collect.tests.conftest import assessment_values
    from nahrain.collect.tests.odk import fill_instance

    assessment, account = _field(world)

    def make() -> Any:
        xml = fill_instance(assessment.xml, assessment_values(), instance_id="uuid:matrix")
        return collect.submission_receive(collector=account, xml=xml, attachments=[]).submission

    received = world.once("submission", make)
    return Target(
        kwargs={"uid": received.uid},
        organisation_id=account.organisation_id,
        json={"reason": "matrix"},
        form={"reason": "matrix"},
    )


def new_collector(world: World) -> Target:
    return Target(form={"username": "matrix02", "display_name": "Matrix"})


def form_of_iom(world: World) -> Target:
    """IOM's published location-assessment form, as ODK Collect asks for it."""
    assessment, account = _field(world)
    return Target(
        kwargs={"uid": assessment.uid, "filename": "locations.csv"},
        organisation_id=account.organisation_id,
    )


def _named(data: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """Who may use one endpoint, by method, and what the answers are."""

    key: str
    grants: Mapping[str, Grant]
    build: Builder | tuple[Builder, ...] = nothing
    ok: Mapping[str, Expected] = field(default_factory=dict)
    denied: Expected = 404
    # Methods whose granted answers must leave an audit row with this action.
    audit: Mapping[str, str] = field(default_factory=dict)
    api: bool = False
    # What a refused anonymous caller gets, when not the default (401 API, sign-in page).
    anonymous: Expected | None = None
    # How personas sign in: "session" (pages), "bearer" (the API's tokens) or "basic" (HTTP Basic
    # with the persona's password, for clients such as ODK Collect).
    auth: str = "session"
    # Reachable by a session whose second factor is still owed (the pages that take it).
    before_second_factor: bool = False
    # The granted answer carries personal data or a secret: it must not be cached.
    personal: bool = False

    @property
    def builders(self) -> tuple[Builder, ...]:
        return self.build if isinstance(self.build, tuple) else (self.build,)


def api(
    key: str,
    grant: Grant,
    build: Builder | tuple[Builder, ...] = nothing,
    *,
    ok: Expected | None = None,
    denied: Expected = 404,
    audit: str | None = None,
    personal: bool = False,
) -> Decision:
    """An API operation, keyed ``"METHOD /api/v1/path/{param}"`` as in the OpenAPI schema."""
    method = key.split(" ", 1)[0]
    return Decision(
        key=key,
        grants={method: grant},
        build=build,
        ok={method: ok} if ok is not None else {},
        denied=denied,
        audit={method: audit} if audit else {},
        api=True,
        auth="bearer",
        personal=personal,
    )


def page(
    name: str,
    *,
    GET: Grant,
    POST: Grant,
    build: Builder | tuple[Builder, ...] = nothing,
    ok: Mapping[str, Expected] | None = None,
    denied: Expected = 404,
    audit: Mapping[str, str] | None = None,
    anonymous: Expected | None = None,
    auth: str = "session",
    before_second_factor: bool = False,
    personal: bool = False,
) -> Decision:
    """A page or any other Django view, keyed by its URL name (``namespace:name``, or the route
    for an unnamed one)."""
    return Decision(
        key=name,
        grants={"GET": GET, "POST": POST},
        build=build,
        ok=ok or {},
        denied=denied,
        audit=audit or {},
        anonymous=anonymous,
        auth=auth,
        before_second_factor=before_second_factor,
        personal=personal,
    )


ROUNDS = (draft_round, published_round)
EXPORTED = {"GET": "round.export"}
READ_ROUND = IM | PUBLISHED  # drafts: the organisation's IMs; published rounds: everyone
ROUNDS_IN_QUERY = rounds_in_query()
UNIT_OF_ROUNDS = rounds_in_query(kwargs={"pcode": "IQG09"})
UNIT_OF_ROUNDS_TABLE = rounds_in_query(query={"within": "IQG09"})
PLACE_OF_ROUNDS = rounds_in_query(kwargs={"place_id": MASTER_LIST_ROW[0]})
ROUNDS_COMPARED = rounds_in_query("base", "other")
COLLECT_AUTH: dict[str, Any] = {"anonymous": 401, "denied": 401, "auth": "basic"}

ENDPOINTS: tuple[Decision, ...] = (
    # core pages
    page("core:home", GET=SIGNED_IN, POST=NOBODY),
    # Signed-in users are sent on from the sign-in page.
    page(
        "core:login",
        GET=PUBLIC,
        POST=PUBLIC,
        ok={"GET": (200, 302), "POST": (200, 302)},
        before_second_factor=True,
    ),
    page("core:logout", GET=NOBODY, POST=PUBLIC, ok={"POST": 302}, before_second_factor=True),
    # The second factor: a code, a recovery code, or setting up the app through a one-time link
    # (its user's alone); users who need none are told they have no authenticator.
    page("core:two_factor", GET=SIGNED_IN, POST=SIGNED_IN, before_second_factor=True),
    page("core:recovery", GET=SIGNED_IN, POST=SIGNED_IN, before_second_factor=True),
    page(
        "core:enrol",
        GET=OWNER,
        POST=OWNER,
        build=enrolment_link,
        before_second_factor=True,
        personal=True,
    ),
    page("core:recovery_codes", GET=SIGNED_IN, POST=SIGNED_IN, personal=True),
    page(
        "core:enrolment_links",
        GET=PLATFORM_ADMIN,
        POST=PLATFORM_ADMIN,
        build=new_enrolment_link,
        personal=True,
    ),
    page("core:api_tokens", GET=SIGNED_IN, POST=SIGNED_IN, build=new_token, personal=True),
    # Setting up a deployment: platform admins register organisations; an organisation's admins
    # (and platform admins) invite people into it and give or take away its roles; its members
    # see who holds which. Whoever holds an invitation's link chooses the password, once.
    page(
        "core:organisation_create",
        GET=PLATFORM_ADMIN,
        POST=PLATFORM_ADMIN,
        build=new_organisation,
        ok={"POST": 302},
    ),
    page(
        "core:members",
        GET=MEMBER | PLATFORM_ADMIN,
        POST=ORG_ADMIN | PLATFORM_ADMIN,
        build=member_of_iom,
        ok={"POST": 302},
    ),
    page(
        "core:invite",
        GET=ORG_ADMIN | PLATFORM_ADMIN,
        POST=ORG_ADMIN | PLATFORM_ADMIN,
        build=new_invitee,
        personal=True,
    ),
    page(
        "core:membership_revoke",
        GET=NOBODY,
        POST=ORG_ADMIN | PLATFORM_ADMIN,
        build=membership,
        ok={"POST": 302},
    ),
    page(
        "core:invitation",
        GET=PUBLIC,
        POST=PUBLIC,
        build=invitation,
        ok={"POST": 302},
        before_second_factor=True,
        personal=True,
    ),
    page("core:api_token_revoke", GET=NOBODY, POST=OWNER, build=token, ok={"POST": 302}),
    page("admin/login/", GET=PUBLIC, POST=PUBLIC, ok={"GET": 302, "POST": 302}),
    page(
        "set_language",
        GET=PUBLIC,
        POST=PUBLIC,
        ok={"GET": 302, "POST": 302},
        before_second_factor=True,
    ),
    # geography pages
    page("geo:browser", GET=SIGNED_IN, POST=NOBODY),
    page("geo:unit", GET=SIGNED_IN, POST=NOBODY, build=admin_unit),
    # DTM pages
    page(
        "displacement:rounds",
        GET=SIGNED_IN,
        POST=ANY_IM,
        build=new_round,
        ok={"POST": 302},
        denied=403,
    ),
    page("displacement:round", GET=READ_ROUND, POST=NOBODY, build=ROUNDS),
    page("displacement:upload", GET=IM, POST=IM, build=upload_file, ok={"GET": 302}),
    page("displacement:upload_alias", GET=NOBODY, POST=IM, build=pending_upload),
    page(
        "displacement:upload_confirm", GET=NOBODY, POST=IM, build=pending_upload, ok={"POST": 302}
    ),
    page("displacement:export", GET=READ_ROUND, POST=NOBODY, build=ROUNDS, audit=EXPORTED),
    page("displacement:lifecycle", GET=NOBODY, POST=IM, build=round_action, ok={"POST": 302}),
    page("displacement:overview", GET=READ_ROUND, POST=NOBODY, build=ROUNDS_IN_QUERY),
    page("displacement:overview_unit", GET=READ_ROUND, POST=NOBODY, build=UNIT_OF_ROUNDS),
    page("displacement:overview_table", GET=READ_ROUND, POST=NOBODY, build=UNIT_OF_ROUNDS_TABLE),
    page("displacement:overview_location", GET=READ_ROUND, POST=NOBODY, build=PLACE_OF_ROUNDS),
    page("displacement:compare", GET=READ_ROUND, POST=NOBODY, build=ROUNDS_COMPARED),
    page("displacement:map_points", GET=READ_ROUND, POST=NOBODY, build=ROUNDS_IN_QUERY),
    # Outlines are reference data, the same for every round.
    page("displacement:map_shapes", GET=SIGNED_IN, POST=NOBODY, build=map_level),
    page("displacement:import_job", GET=IM, POST=NOBODY, build=import_job),
    # a location's page: like its API, and its owner's IMs correct it there
    page("geo:location", GET=IM | PUBLISHED, POST=IM, build=PLACES, ok={"POST": 302}),
    # field data collection: review pages for information managers
    page("collect:queue", GET=ANY_IM, POST=NOBODY),
    page("collect:submission", GET=IM, POST=NOBODY, build=submission),
    page("collect:accept", GET=NOBODY, POST=IM, build=submission, ok={"POST": 302}),
    page("collect:reject", GET=NOBODY, POST=IM, build=submission, ok={"POST": 302}),
    page(
        "collect:key_informant",
        GET=NOBODY,
        POST=IM,
        build=submission,
        audit={"POST": "key_informant.read"},
        personal=True,
    ),
    page("collect:collectors", GET=ANY_IM, POST=ANY_IM, build=new_collector),
    page("collect:collector_reset", GET=NOBODY, POST=IM, build=collector),
    page("collect:collector_revoke", GET=NOBODY, POST=IM, build=collector, ok={"POST": 302}),
    page("collect:forms_publish", GET=NOBODY, POST=ANY_IM, ok={"POST": 302}),
    # OpenRosa: ODK Collect's own accounts (Digest, or Basic over HTTPS); a person's password
    # opens none of it.
    page("openrosa:form_list", GET=COLLECTOR, POST=NOBODY, **COLLECT_AUTH),
    page("openrosa:submission", GET=NOBODY, POST=COLLECTOR, **COLLECT_AUTH),
    page("openrosa:form_download", GET=COLLECTOR, POST=NOBODY, build=form_of_iom, **COLLECT_AUTH),
    page("openrosa:manifest", GET=COLLECTOR, POST=NOBODY, build=form_of_iom, **COLLECT_AUTH),
    page("openrosa:media", GET=COLLECTOR, POST=NOBODY, build=form_of_iom, **COLLECT_AUTH),
    # The API's schema and its browsable page are public, and django-ninja serves them to any
    # method; its root answers 404 to everyone.
    page("api:openapi-json", GET=PUBLIC, POST=PUBLIC),
    page("api:openapi-view", GET=PUBLIC, POST=PUBLIC),
    page("api:api-root", GET=PUBLIC, POST=PUBLIC, ok={"GET": 404, "POST": 404}),
    # core API
    api("GET /api/v1/me", SIGNED_IN),
    api("GET /api/v1/organisations", SIGNED_IN),
    api("GET /api/v1/organisations/{organisation_id}", SIGNED_IN, iom),
    api(
        "GET /api/v1/organisations/{organisation_id}/members",
        MEMBER | PLATFORM_ADMIN,
        iom,
        personal=True,
    ),
    api("GET /api/v1/tokens", SIGNED_IN),
    api("POST /api/v1/tokens", SIGNED_IN, new_token, ok=201, personal=True),
    api("DELETE /api/v1/tokens/{token_id}", OWNER, token),
    # geography API
    api("GET /api/v1/geo/units", SIGNED_IN),
    api("GET /api/v1/geo/units/{pcode}", SIGNED_IN, admin_unit),
    api("GET /api/v1/geo/search", SIGNED_IN, search),
    api("GET /api/v1/geo/lookup", SIGNED_IN, point),
    # a location: published ones are read by all; only its owner's IMs read a draft or edit it
    api("GET /api/v1/geo/locations/{location_uid}", IM | PUBLISHED, PLACES),
    api("PATCH /api/v1/geo/locations/{location_uid}", IM, PLACES),
    # DTM API
    api("GET /api/v1/dtm/rounds", SIGNED_IN),
    api("POST /api/v1/dtm/rounds", IM, new_round, ok=201),
    api("GET /api/v1/dtm/rounds/{round_uid}", READ_ROUND, ROUNDS),
    api("POST /api/v1/dtm/rounds/{round_uid}/imports", IM, upload_file, ok=201),
    api("POST /api/v1/dtm/rounds/{round_uid}/validate", IM, draft_round),
    api("POST /api/v1/dtm/rounds/{round_uid}/publish", IM, validated_round),
    api("POST /api/v1/dtm/rounds/{round_uid}/correct", IM, published_round, ok=201),
    api("GET /api/v1/dtm/rounds/{round_uid}/figures", READ_ROUND, ROUNDS),
    api("GET /api/v1/dtm/rounds/{round_uid}/totals", READ_ROUND, ROUNDS),
    api("GET /api/v1/dtm/rounds/{round_uid}/locations", READ_ROUND, ROUNDS),
    api("GET /api/v1/dtm/rounds/{round_uid}/export", READ_ROUND, ROUNDS, audit="round.export"),
    api("GET /api/v1/dtm/rounds/{round_uid}/compare/{other_uid}", READ_ROUND, ROUNDS),
    api("GET /api/v1/dtm/rounds/{round_uid}/flows", READ_ROUND, ROUNDS),
    api("GET /api/v1/dtm/series", SIGNED_IN),
    api("POST /api/v1/dtm/movements", IM, new_movement, ok=201),
    api("GET /api/v1/dtm/movements/totals", SIGNED_IN),
    # field data collection: other organisations' submissions are not listed
    api("GET /api/v1/collect/submissions", SIGNED_IN),
    api("GET /api/v1/collect/submissions/{uid}", IM, submission),
    api("POST /api/v1/collect/submissions/{uid}/accept", IM, submission),
    api("POST /api/v1/collect/submissions/{uid}/reject", IM, submission),
    api(
        "GET /api/v1/collect/submissions/{uid}/key-informant",
        IM,
        submission,
        audit="key_informant.read",
        personal=True,
    ),
)

# Django's admin, decided as one group: platform admins only; everyone else is sent away to sign
# in (its log-out page sends them to its index first).
ADMIN = Decision(key="admin:*", grants={"GET": PLATFORM_ADMIN}, ok={"GET": ANY}, denied=REDIRECT)

API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PAGE_METHODS = ("GET", "POST")


def allowed(decision: Decision, method: str, who: Who, target: Target) -> bool:
    """True when the persona may use this endpoint with this method on this target."""
    grant = decision.grants.get(method, NOBODY)
    if grant == NOBODY:
        return False
    if who.second_factor_owed and not decision.before_second_factor and decision.auth != "basic":
        return False
    return granted(grant, who, target)


def expected(decision: Decision, method: str, who: Who, target: Target) -> Expected:
    """The designed answer of one cell of the matrix."""
    grant = decision.grants.get(method, NOBODY)
    if who.second_factor_owed and not decision.before_second_factor and decision.auth != "basic":
        if decision.auth == "bearer":
            # The token was issued without a second factor: refused like no token at all,
            # after the method check (ninja answers 405 before authenticating).
            return 405 if grant == NOBODY else 401
        # The session: sent to give the second factor (403 under /api/) before anything else.
        return SECOND_FACTOR
    if grant == NOBODY:
        if not decision.api and not who.signed_in:
            # A page behind a sign-in sends anonymous visitors to sign in before looking at the
            # method; the matrix accepts either, never a 2xx.
            return "405-or-login"
        return 405
    if granted(grant, who, target):
        return decision.ok.get(method, 200)
    if not who.signed_in and decision.anonymous is not None:
        return decision.anonymous
    if not who.signed_in and decision.denied not in (LOGIN, REDIRECT):
        return 401 if decision.api else LOGIN
    return decision.denied


# --- coverage: every URL pattern has a decision ----------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str
    namespace: str
    ninja: bool
    callback: Any = field(compare=False, default=None)

    @property
    def openapi_path(self) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.route)


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    """Every URL pattern under a resolver's patterns, with its full route and namespace."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            yield Pattern(
                route=prefix + str(entry.pattern),
                name=f"{namespace}{entry.name}" if entry.name else "",
                namespace=namespace.rstrip(":"),
                ninja=getattr(callback, "__module__", "") == "ninja.operation",
                callback=callback,
            )


def keys_of(pattern: Pattern, openapi_paths: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The decision keys one URL pattern needs."""
    if pattern.namespace.split(":")[0] == "admin":
        return [ADMIN.key]
    if pattern.ninja and pattern.openapi_path in openapi_paths:
        methods = openapi_paths[pattern.openapi_path]
        return [f"{m.upper()} {pattern.openapi_path}" for m in methods if m.upper() in API_METHODS]
    return [pattern.name or pattern.route]


def suggestion(key: str) -> str:
    if " /" in key:
        return f'    api("{key}", SIGNED_IN),  # or PUBLIC, MEMBER, IM, OWNER, PLATFORM_ADMIN...'
    return f'    page("{key}", GET=SIGNED_IN, POST=NOBODY),  # or PUBLIC, MEMBER, IM, OWNER...'


def undecided(
    patterns: list[Any],
    openapi_paths: Mapping[str, Mapping[str, Any]],
    decisions: tuple[Decision, ...] = ENDPOINTS,
) -> list[str]:
    """Messages for URL patterns with no decision and decisions with no URL pattern."""
    known = {d.key for d in decisions} | {ADMIN.key}
    needed: dict[str, str] = {}
    for pattern in walk(patterns):
        for key in keys_of(pattern, openapi_paths):
            needed.setdefault(key, pattern.route)
    problems = [
        f"No permission decision for {key!r} (URL pattern {route!r}). Add this line to "
        f"ENDPOINTS in nahrain/testing/permissions.py, with the grant it should have:\n"
        f"{suggestion(key)}"
        for key, route in needed.items()
        if key not in known
    ]
    problems += [
        f"ENDPOINTS in nahrain/testing/permissions.py decides {key!r}, which no URL pattern "
        f"serves any more: remove that line."
        for key in sorted(known - set(needed))
    ]
    return problems
