"""The permission matrix: every endpoint x every persona x method against the designed answer
of the rows each app keeps in its tests/permissions.py (collected and checked by
nahrain/testing/permissions.py), and every URL pattern covered by a decision."""

from __future__ import annotations

import base64
import copy
import json
import re
import types
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLResolver, get_resolver, path, resolve, reverse
from django.urls.resolvers import RegexPattern
from django_otp.plugins.otp_totp.models import TOTPDevice

from nahrain.api import api
from nahrain.coordination.models import ClusterMember, ClusterRole
from nahrain.coordination.services import cluster_member_add
from nahrain.core import services as core_services
from nahrain.core.models import AuditEvent, Membership, Role
from nahrain.testing import permissions as p
from nahrain.testing.permissions import ADMIN, Decision, Expected, Table, Target, Who, World
from nahrain.testing.personas import PASSWORD, Persona, Personas
from nahrain.testing.report import record

pytestmark = pytest.mark.django_db

# The issue's personas, and the other roles of IOM (the objects' organisation) and beyond.
CAST = {
    "anonymous": None,
    "outsider (ORF data entry)": "outsider",
    "viewer (DAMA)": "ahmed",
    "data entry (IOM)": "hana",
    "information manager (IOM)": "layla",
    "site manager (IOM)": "omar",
    "case worker (INTERSOS)": "shilan",
    "GBV case worker (INTERSOS)": "zainab",
    "MHPSS worker (DAMA)": "dilan",
    "service mapper (IOM)": "sara",
    "assistance officer (IOM)": "salam",
    "feedback officer (IOM)": "rawa",
    "feedback officer and named focal point (IOM)": "jwan",
    "feedback officer (INTERSOS)": "lina",
    "surveillance officer (DoH Duhok)": "faris",
    "org admin (IOM)": "iom_admin",
    "admin of another organisation (INTERSOS)": "intersos_admin",
    "platform admin": "root",
    "Shelter/NFI cluster information manager (UNHCR viewer)": "hiwa",
}
PASSWORD_ONLY = "org admin and IM (IOM), password only, token without second factor"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
SECOND_FACTOR_PATH = "/accounts/2fa/"


@dataclass
class Actor:
    label: str
    persona: Persona | None
    who: Who
    bearer: str | None
    cookies: Any = None
    # One client each, reused: a new Client loads the middleware again (WhiteNoise rescans the
    # static files), which would cost more than the request itself.
    clients: dict[bool, Client] = field(default_factory=dict)

    def auth(self, decision: Decision) -> str | None:
        """The Authorization header the persona sends to this endpoint, if any."""
        if self.persona is None or decision.auth == "session":
            return None
        if decision.auth == "basic":
            pair = f"{self.persona.user.get_username()}:{PASSWORD}".encode()
            return "Basic " + base64.b64encode(pair).decode()
        return f"Bearer {self.bearer}"

    def session_client(self, *, enforce_csrf: bool = False) -> Client:
        if enforce_csrf not in self.clients:
            self.clients[enforce_csrf] = Client(enforce_csrf_checks=enforce_csrf)
        client = self.clients[enforce_csrf]
        # A fresh copy of the signed-in cookies: a sign-out in one cell must not sign the
        # persona out of the next.
        client.cookies = copy.deepcopy(self.cookies) if self.cookies else SimpleCookie()
        return client


def _actors(personas: Personas, nadia: Persona, own: dict[str, Persona]) -> list[Actor]:
    """Every persona of the cast; ``own`` holds those of fixtures of their own (their
    organisations and IOM's member list stay out of the others' tests)."""
    actors = [_password_only(nadia)]
    for label, attribute in CAST.items():
        persona: Persona | None = (
            own.get(attribute) or getattr(personas, attribute) if attribute else None
        )
        roles: dict[Any, set[str]] = {}
        if persona is not None:
            for membership in Membership.objects.filter(user=persona.user):
                roles.setdefault(membership.organisation_id, set()).add(membership.role)
        who = Who(
            user=persona.user if persona else None,
            roles_by_organisation={k: frozenset(v) for k, v in roles.items()},
            is_platform_admin=bool(persona and persona.user.is_superuser),
            clusters=frozenset(
                ClusterMember.objects.filter(user=persona.user).values_list("cluster", flat=True)
                if persona is not None
                else ()
            ),
        )
        actor = Actor(label, persona, who, persona.token() if persona else None)
        if persona is not None:
            actor.cookies = persona.client().cookies
        actors.append(actor)
    return actors


@pytest.fixture
def hiwa(tariq: Persona) -> Persona:
    """A member of the Shelter/NFI cluster who holds no role of a partner's beyond viewing at
    UNHCR (tariq's organisation): what the matrix asks of the cluster's grant alone, apart from
    the organisation roles every other persona already covers."""
    assert tariq.organisation is not None
    user = core_services.user_create(username="hiwa", password=PASSWORD)
    core_services.membership_add(
        actor=None, user=user, organisation=tariq.organisation, role=Role.VIEWER
    )
    cluster_member_add(actor=None, user=user, cluster="snfi", role=ClusterRole.INFORMATION_MANAGER)
    return Persona(user=user, organisation=tariq.organisation)


def _password_only(nadia: Persona) -> Actor:
    """IOM's organisation admin and information manager, signed in with the password alone,
    with a token issued without a second factor: she reaches nothing but the second-factor
    pages, whatever her roles."""
    roles: dict[Any, set[str]] = {}
    for membership in Membership.objects.filter(user=nadia.user):
        roles.setdefault(membership.organisation_id, set()).add(membership.role)
    who = Who(
        user=nadia.user,
        roles_by_organisation={k: frozenset(v) for k, v in roles.items()},
        is_platform_admin=False,
        second_factor_owed=True,
    )
    actor = Actor(PASSWORD_ONLY, nadia, who, nadia.token(with_second_factor=False))
    actor.cookies = nadia.password_only_client().cookies
    return actor


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def page_problems(response: HttpResponse) -> list[str]:
    """What a page lacks of the security headers, and any script the policy would have to allow
    inline (a <script> without src, an on...= attribute)."""
    problems = [
        f"header {name} is {response.get(name)!r}, not {value!r}"
        for name, value in HEADERS.items()
        if response.get(name) != value
    ]
    policy = response.get("Content-Security-Policy", "")
    directives = {
        name: value
        for name, _, value in (d.strip().partition(" ") for d in policy.split(";"))
        if name
    }
    script_src = directives.get("script-src", directives.get("default-src", ""))
    if "'self'" not in script_src or "unsafe" in script_src or "*" in script_src:
        problems.append(f"Content-Security-Policy script-src is {script_src!r}")
    if directives.get("object-src") != "'none'" or directives.get("frame-ancestors") != "'none'":
        problems.append(f"Content-Security-Policy is {policy!r}")
    html = response.content.decode("utf-8", errors="replace")
    problems += [f"inline script {m.group(0)!r}" for m in INLINE_SCRIPT.finditer(html)]
    problems += [f"inline event handler {m.group(0)[:60]!r}" for m in EVENT_HANDLER.finditer(html)]
    return problems


def _answer(response: HttpResponse) -> tuple[int, str]:
    location = response.get("Location", "") if response.status_code == 302 else ""
    return response.status_code, location


def _matches(expected: Expected, status: int, location: str, public: bool, url: str) -> bool:
    to_login = location.startswith(LOGIN_PATHS)
    if expected == p.SECOND_FACTOR:
        if url.startswith("/api/"):
            return status == 403
        return status == 302 and location.startswith(SECOND_FACTOR_PATH)
    if expected == p.LOGIN:
        return status == 302 and to_login
    if expected == p.REDIRECT:
        return status == 302
    if expected == p.ANY:
        return status < 500 and not to_login
    if expected == "405-or-login":
        return status == 405 or (status == 302 and to_login)
    if expected == 302 and not public:
        return status == 302 and not to_login
    if isinstance(expected, tuple):
        return status in expected
    return status == expected


def _params(route: str) -> list[str]:
    """The names of a route's parameters, in ``<type:name>`` or ``(?P<name>...)`` form."""
    return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)]


class Matrix:
    """Runs cells, each in a savepoint rolled back afterwards so none changes the next."""

    def __init__(self, world: World, actors: list[Actor]) -> None:
        self.world = world
        self.actors = actors
        self.cells = 0
        self.csrf_cells = 0
        self.audit_cells = 0
        self.pages = 0
        self.half_signed_in_cells = 0
        self.no_store_cells = 0
        self.failures: list[str] = []

    def send(
        self, client: Client, method: str, url: str, target: Target, *, authorization: str | None
    ) -> HttpResponse:
        headers = {"Authorization": authorization} if authorization else {}
        if target.prepare is not None:
            target.prepare(client)
        query = "?" + "&".join(f"{k}={v}" for k, v in target.query.items()) if target.query else ""
        if method in UNSAFE and url.startswith("/api/") and target.json is not None:
            return client.generic(  # type: ignore[return-value]
                method,
                url + query,
                data=json.dumps(target.json),
                content_type="application/json",
                headers=headers,
            )
        if method == "POST":
            return client.post(url + query, target.form or {}, headers=headers)  # type: ignore[return-value]
        return client.generic(method, url + query, headers=headers)  # type: ignore[return-value]

    def cells_of(self, decision: Decision, method: str, url_for: Any) -> None:
        """The cells of one endpoint and method: every persona, on every object it is tried on."""
        for build in decision.builders:
            for actor in self.actors:
                self.cell(decision, method, actor, url_for, build)

    def cell(
        self, decision: Decision, method: str, actor: Actor, url_for: Any, build: p.Builder
    ) -> None:
        target = build(self.world)
        want = p.expected(decision, method, actor.who, target)
        grant = decision.grants.get(method, p.NOBODY)
        allowed = p.allowed(decision, method, actor.who, target)
        audit_action = decision.audit.get(method)
        with transaction.atomic():
            audited = AuditEvent.objects.filter(action=audit_action or "-", actor=actor.who.user)
            before = audited.count()
            client = actor.session_client()
            if actor.persona is not None and decision.auth != "session":
                client.cookies = SimpleCookie()
            url = url_for(target)
            response = self.send(client, method, url, target, authorization=actor.auth(decision))
            status, location = _answer(response)
            self.cells += 1
            where = f"{decision.key} ({method} {url}) as {actor.label}"
            if not _matches(want, status, location, "PUBLIC" in grant.atoms, url):
                self.failures.append(f"{where}: expected {want}, got {status} {location}")
            if not allowed and 200 <= status < 300:
                self.failures.append(f"{where}: UNAUTHORISED {status}")
            if actor.who.second_factor_owed:
                self.half_signed_in_cells += 1
            if decision.personal and allowed and 200 <= status < 300:
                self.no_store_cells += 1
                if "no-store" not in response.get("Cache-Control", ""):
                    self.failures.append(f"{where}: personal data without Cache-Control no-store")
            if status == 200 and response.get("Content-Type", "").startswith("text/html"):
                self.pages += 1
                self.failures += [f"{where}: {problem}" for problem in page_problems(response)]
            if audit_action and allowed and 200 <= status < 300:
                self.audit_cells += 1
                if audited.count() != before + 1:
                    self.failures.append(f"{where}: expected one new {audit_action!r} audit row")
            transaction.set_rollback(True)
        if method in UNSAFE and (not decision.api or (allowed and actor.persona is not None)):
            self.csrf(decision, method, actor, url_for(target), build)

    def csrf(
        self, decision: Decision, method: str, actor: Actor, url: str, build: p.Builder
    ) -> None:
        """The same unsafe request from the signed-in browser session without a CSRF token.

        A method with its own authentication (ODK Collect's submission) is exempt from CSRF
        because the session opens nothing there: it must answer as to an anonymous caller."""
        target = build(self.world)
        own_authentication = decision.auth == "basic" and decision.grants.get(method) != p.NOBODY
        want: Expected = 403
        if own_authentication and decision.anonymous is not None:
            want = decision.anonymous
        elif actor.who.second_factor_owed and not decision.before_second_factor:
            # The session is sent to give its second factor first, except where a session
            # opens nothing (OpenRosa's own authentication): there CSRF refuses it as usual.
            want = 403 if decision.auth == "basic" else p.SECOND_FACTOR
        with transaction.atomic():
            client = actor.session_client(enforce_csrf=True)
            response = self.send(client, method, url, target, authorization=None)
            self.csrf_cells += 1
            status, location = _answer(response)
            if not _matches(want, status, location, False, url):
                self.failures.append(
                    f"{decision.key} {method} as {actor.label} without a CSRF token: "
                    f"expected {want}, got {response.status_code}"
                )
            transaction.set_rollback(True)


def _admin_kwargs(route: str, world: World) -> dict[str, str]:
    values = {
        "object_id": str(world.personas.iom.pk),
        "id": str(world.personas.layla.user.pk),
        "content_type_id": "0",
        "app_label": "core",
        "url": "missing/",
        "pk": "0",
    }
    return {name: values[name] for name in _params(route)}


def _admin_url(route: str, kwargs: dict[str, str]) -> str:
    url = route
    for name, value in kwargs.items():
        url = re.sub(rf"<(?:\w+:)?{name}>", value, url)
        url = re.sub(rf"\^?\(\?P<{name}>[^)]*\)\$?", value, url)
    return "/" + url.replace("^", "").replace("$", "")


def test_every_persona_gets_the_designed_answer_from_every_endpoint(
    personas: Personas,
    nadia: Persona,
    faris: Persona,
    salam: Persona,
    rawa: Persona,
    jwan: Persona,
    lina: Persona,
    hiwa: Persona,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.DATA_DIR = tmp_path
    TOTPDevice.objects.update(key=p.MATRIX_TOTP_KEY)
    world = World(personas, nadia)
    own = {
        "faris": faris,
        "salam": salam,
        "rawa": rawa,
        "jwan": jwan,
        "lina": lina,
        "hiwa": hiwa,
    }
    actors = _actors(personas, nadia, own)
    endpoints = p.endpoints()
    for decision in endpoints:
        for build in decision.builders:
            build(world)  # heavy objects are made once, outside the rolled-back cells
    openapi_paths: dict[str, dict[str, Any]] = api.get_openapi_schema()["paths"]
    patterns = list(p.walk(get_resolver().url_patterns))
    assert not p.undecided(get_resolver().url_patterns, openapi_paths)
    matrix = Matrix(world, actors)
    by_key = {d.key: d for d in endpoints}
    routes = {pat.name: pat.route for pat in patterns if pat.name}

    # API operations: the declared method against its decision, every other method 405.
    for api_path, operations in openapi_paths.items():
        declared = {m.upper(): by_key[f"{m.upper()} {api_path}"] for m in operations}
        builders = next(iter(declared.values())).build

        def api_url(target: Target, api_path: str = api_path) -> str:
            return api_path.format(**target.kwargs)

        for method in p.API_METHODS:
            decision = declared.get(method) or Decision(
                key=f"{method} {api_path}", grants={}, build=builders, api=True
            )
            matrix.cells_of(decision, method, api_url)

    # Pages: GET and POST.
    for decision in endpoints:
        if decision.api:
            continue
        name = decision.key
        route = routes.get(name, name)

        def page_url(target: Target, name: str = name, route: str = route) -> str:
            if name not in routes:
                return "/" + route
            return reverse(name, kwargs={k: target.kwargs[k] for k in _params(route)})

        for method in p.PAGE_METHODS:
            matrix.cells_of(decision, method, page_url)

    # The admin, as a group: every pattern, GET.
    for pattern in patterns:
        if pattern.namespace.split(":")[0] != "admin":
            continue
        url = _admin_url(pattern.route, _admin_kwargs(pattern.route, world))
        if resolve(url).func is not pattern.callback:
            continue  # shadowed by a project pattern (admin/login/), decided on its own line
        matrix.cells_of(ADMIN, "GET", lambda target, url=url: url)

    record("permission matrix: cells (endpoint x persona x method)", matrix.cells)
    record("permission matrix: unsafe requests refused without a CSRF token", matrix.csrf_cells)
    record("permission matrix: granted exports checked for their audit row", matrix.audit_cells)
    record("permission matrix: HTML answers checked for headers and inline scripts", matrix.pages)
    record(
        "permission matrix: cells of an admin signed in with the password alone",
        matrix.half_signed_in_cells,
    )
    record("permission matrix: personal-data answers checked for no-store", matrix.no_store_cells)
    assert not matrix.failures, "\n".join(matrix.failures)


# --- the coverage check itself ----------------------------------------------------------------


def _view(request: Any) -> HttpResponse:
    return HttpResponse("")


def test_an_undecided_page_fails_the_coverage_check_naming_its_apps_table() -> None:
    paths = api.get_openapi_schema()["paths"]
    # A new page in displacement's URL configuration.
    urlconf = types.ModuleType("nahrain.displacement.urls")
    urlconf.urlpatterns = [path("secret/", _view, name="secret")]  # type: ignore[attr-defined]
    patterns = [
        *get_resolver().url_patterns,
        URLResolver(
            RegexPattern(r"^dtm/"), urlconf, app_name="displacement", namespace="displacement"
        ),
    ]
    problems = p.undecided(patterns, paths)
    assert problems == [
        "No permission decision for 'displacement:secret' (URL pattern '^dtm/secret/'). Add this "
        "line to ENDPOINTS in nahrain/displacement/tests/permissions.py, with the grant it should "
        "have:\n"
        '    page("displacement:secret", GET=SIGNED_IN, POST=NOBODY),  # or PUBLIC, MEMBER, IM, '
        "OWNER..."
    ]


def test_an_undecided_api_operation_fails_the_coverage_check_naming_its_apps_table() -> None:
    paths = dict(api.get_openapi_schema()["paths"])
    delete = {"operationId": "nahrain_displacement_api_round_delete"}
    paths["/api/v1/dtm/rounds"] = {**paths["/api/v1/dtm/rounds"], "delete": delete}
    problems = p.undecided(get_resolver().url_patterns, paths)
    assert problems == [
        "No permission decision for 'DELETE /api/v1/dtm/rounds' (URL pattern "
        "'api/v1/dtm/rounds'). Add this line to ENDPOINTS in "
        "nahrain/displacement/tests/permissions.py, with the grant it should have:\n"
        '    api("DELETE /api/v1/dtm/rounds", SIGNED_IN),  # or PUBLIC, MEMBER, IM, OWNER, '
        "PLATFORM_ADMIN..."
    ]


def test_a_project_wide_page_belongs_in_cores_table() -> None:
    paths = api.get_openapi_schema()["paths"]
    patterns = [*get_resolver().url_patterns, path("status/", _view, name="status")]
    problems = p.undecided(patterns, paths)
    assert len(problems) == 1
    assert "'status'" in problems[0]
    assert "nahrain/core/tests/permissions.py" in problems[0]


def test_an_app_without_a_table_fails_the_coverage_check_for_each_of_its_endpoints() -> None:
    paths = api.get_openapi_schema()["paths"]
    without_collect = [table for table in p.tables() if table.app != "nahrain.collect"]
    problems = p.undecided(get_resolver().url_patterns, paths, without_collect)
    collect_rows = next(t for t in p.tables() if t.app == "nahrain.collect").rows
    assert len(problems) == len(collect_rows)
    assert all("nahrain/collect/tests/permissions.py" in problem for problem in problems)


def test_the_tables_are_those_of_the_installed_apps_that_have_one() -> None:
    with_table = [
        config.name
        for config in django_apps.get_app_configs()
        if (Path(config.path) / "tests" / "permissions.py").exists()
    ]
    assert [table.app for table in p.tables()] == with_table
    assert {"nahrain.core", "nahrain.geo", "nahrain.displacement", "nahrain.collect"} <= set(
        with_table
    )


def test_a_decision_without_an_endpoint_fails_the_coverage_check() -> None:
    paths = api.get_openapi_schema()["paths"]
    stale = Table("nahrain.displacement", (p.api("GET /api/v1/gone", p.SIGNED_IN),))
    problems = p.undecided(get_resolver().url_patterns, paths, (*p.tables(), stale))
    assert problems == [
        "ENDPOINTS in nahrain/displacement/tests/permissions.py decides 'GET /api/v1/gone', "
        "which no URL pattern serves any more: remove that line."
    ]


def test_a_key_decided_by_two_apps_fails_the_coverage_check() -> None:
    paths = api.get_openapi_schema()["paths"]
    again = Table("nahrain.geo", (p.api("GET /api/v1/dtm/rounds", p.PUBLIC),))
    problems = p.undecided(get_resolver().url_patterns, paths, (*p.tables(), again))
    assert problems == [
        "'GET /api/v1/dtm/rounds' is decided in nahrain/displacement/tests/permissions.py and "
        "again in nahrain/geo/tests/permissions.py: keep the line in the table of the app that "
        "serves it."
    ]


def test_the_project_has_no_undecided_endpoint() -> None:
    paths = api.get_openapi_schema()["paths"]
    problems = p.undecided(get_resolver().url_patterns, paths)
    assert not problems, "\n\n".join(problems)


def test_an_endpoint_with_its_own_authentication_answers_anonymous_callers_with_its_code(
    personas: Personas,
) -> None:
    # Such as an OpenRosa form list: HTTP Basic for ODK Collect, 401 rather than a sign-in page.
    decision = p.page("collect:forms", GET=p.SIGNED_IN, POST=p.NOBODY, anonymous=401, auth="basic")
    nobody = Who(user=None, roles_by_organisation={}, is_platform_admin=False)
    layla = Who(user=personas.layla.user, roles_by_organisation={}, is_platform_admin=False)
    assert p.expected(decision, "GET", nobody, Target()) == 401
    assert p.expected(decision, "GET", layla, Target()) == 200
    actor = Actor("information manager", personas.layla, layla, bearer=None)
    header = actor.auth(decision)
    assert header is not None and header.startswith("Basic ")
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == f"layla:{PASSWORD}"
