"""Who may use each endpoint: the engine of the permission matrix, which holds every persona to
the rows each app writes.

Every URL pattern of the project (pages by URL name, API operations by ``METHOD /path`` from the
OpenAPI schema, the Django admin as one group) needs a row saying who may use it, with which
method. Each app keeps its own rows, in ``ENDPOINTS`` of its ``tests/permissions.py``
(``nahrain/displacement/tests/permissions.py``...), beside the builders of the objects they act
on; ``tables()`` collects them from every installed app under ``nahrain/`` that has one, so a
new app adds its rows without editing this file. The test
``nahrain/testing/tests/test_permission_matrix.py`` walks the URL resolver and fails, naming the
row to add and the file to add it to, for any pattern without one (so a new app without a table
fails too), for a row no pattern serves, and for a key two rows decide. Project-wide URLs that
no app's URL configuration or router serves (Django's admin sign-in and language switch, the
API's schema) are core's.

A decision is made of a small vocabulary of grants, combined with ``|``:

- ``PUBLIC``: anyone, signed in or not
- ``SIGNED_IN``: any signed-in user (second factor given where required) or API token
- ``MEMBER``: a member (any role) of the object's organisation
- ``IM``: an information manager of the object's organisation
- ``ANY_IM``: an information manager of any organisation (creating in one's own organisation)
- ``SITE_STAFF``: a site manager or an information manager of the object's organisation (who
  write its sites)
- ``ANY_SITE_STAFF``: a site manager or information manager of any organisation (creating a
  site in one's own organisation)
- ``ORG_ADMIN``: an organisation admin of the object's organisation
- ``ANY_ORG_ADMIN``: an organisation admin of any organisation (writing in one's own)
- ``REGISTRY``: a registration officer or site manager of the object's organisation (who read and
  change its registry's personal data)
- ``ANY_REGISTRY``: a registration officer or site manager of any organisation (the registry's
  pages that work in the user's own organisation)
- ``REGISTRY_EXPORT``: a registry member of the object's organisation who also holds the
  personal-data export permission
- ``OWNER``: the user the object belongs to (an API token)
- ``PUBLISHED``: any signed-in user, when the object is published (a DTM round)
- ``PLATFORM_ADMIN``: a platform administrator
- ``REGISTRY``: a registration officer or site manager of the object's organisation (who read
  and change its registry's personal data)
- ``REGISTRY_EXPORT``: the personal-data export role together with a registry role, in the
  object's organisation
- ``SERVICE_MAPPER``: a service mapper of the object's organisation (who keeps its entries in the
  service directory)
- ``ANY_SERVICE_MAPPER``: a service mapper of any organisation (adding a point to one's own)
- ``ANY_REFERRER``: a member of any organisation with a role that sends referrals (case
  workers of every kind, registration officers, site managers)
- ``ANY_CASE_WORKER``: a case worker, GBV case worker or MHPSS worker of any organisation
- ``ASSIGNED``: a user the object's case is assigned to (``Target.assigned``)
- ``CASE_WORKER``: a case worker of the object's organisation (who supervise its
  child-protection and legal-documentation cases)
- ``RECEIVER``: a member of the receiving organisation (``Target.receiving_organisation_id``)
  holding the role that handles the referral's service (``Target.receiving_role``)
- ``REPORTER``: a data entry clerk or an information manager of the object's organisation (who
  send a health facility's reports)
- ``SURVEILLANCE``: a surveillance officer of the object's Directorate of Health
  (``Target.directorate_id``: who read its facilities' reports and work their alerts)
- ``ASSISTANCE``: an assistance officer of the object's organisation (who read and change its
  distribution lists, distributions, payments and monitoring: personal data)
- ``ANY_ASSISTANCE``: an assistance officer of any organisation (the assistance pages that work
  in the user's own organisation)
- ``FEEDBACK_READER``: who reads a feedback item: for a sensitive one (``Target.sensitive``), the
  focal points named for it (``Target.focal_points``) alone; otherwise a feedback officer of the
  organisation concerned (the object's) or of the one that received it
  (``Target.receiving_organisation_id``)
- ``FEEDBACK_HANDLER``: who handles a feedback item: its focal points when sensitive, otherwise a
  feedback officer of the organisation concerned
- ``FEEDBACK_OFFICER``: a feedback officer of the object's organisation
- ``ANY_FEEDBACK``: a feedback officer of any organisation (the feedback pages that work in the
  user's own organisation)
- ``REPORTS_4W``: an information manager, data entry clerk or organisation admin of the
  object's organisation (who write its monthly 4W report)
- ``ANY_CLUSTER``: a member (coordinator or information manager) of any cluster
  (``coordination.ClusterMember``: who read the reports of their cluster's partners)
- ``COLLECTOR``: a data-collector account of the object's organisation (ODK Collect's own
  credentials; no persona is one, so every persona is refused)
- ``NOBODY``: the method is not allowed (405)

For an endpoint that takes an object, the row names a builder (``draft_round``, ``iom``,
``token``, ...) that creates the object, owned by IOM (and, where a user owns it, by layla, IOM's
information manager), or several (``ROUNDS``: a draft and a published round), each tried with
every persona. Each persona's expected answer follows from the grant:

- granted: the row's ``ok`` code (200 unless said otherwise);
- refused, anonymous: 401 from the API, a redirect to the sign-in page from a page (or the
  row's ``anonymous`` code, e.g. 401 for an endpoint with its own authentication);
- refused, signed in: the row's ``denied`` code (404 unless said otherwise: the gates answer
  "not yours" as they answer "does not exist").

Two more callers are held to the rows: an admin signed in with the password alone (second factor
not given), whose session reaches only the rows marked ``before_second_factor`` (elsewhere: a
redirect to the second-factor page, or 403 under /api/), and whose API token, issued without a
second factor, is refused (401) by every API operation. Rows marked ``personal`` (personal data
or a secret in the answer) must answer with ``Cache-Control: no-store`` whenever they grant.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.apps import apps
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
ANY_ORG_ADMIN = Grant(frozenset({"ANY_ORG_ADMIN"}))
SITE_STAFF = Grant(frozenset({"SITE_STAFF"}))
ANY_SITE_STAFF = Grant(frozenset({"ANY_SITE_STAFF"}))
OWNER = Grant(frozenset({"OWNER"}))
PUBLISHED = Grant(frozenset({"PUBLISHED"}))
PLATFORM_ADMIN = Grant(frozenset({"PLATFORM_ADMIN"}))
COLLECTOR = Grant(frozenset({"COLLECTOR"}))
REGISTRY = Grant(frozenset({"REGISTRY"}))
REGISTRY_EXPORT = Grant(frozenset({"REGISTRY_EXPORT"}))
ANY_REGISTRY = Grant(frozenset({"ANY_REGISTRY"}))
SERVICE_MAPPER = Grant(frozenset({"SERVICE_MAPPER"}))
ANY_SERVICE_MAPPER = Grant(frozenset({"ANY_SERVICE_MAPPER"}))
ANY_REFERRER = Grant(frozenset({"ANY_REFERRER"}))
ANY_CASE_WORKER = Grant(frozenset({"ANY_CASE_WORKER"}))
ASSIGNED = Grant(frozenset({"ASSIGNED"}))
CASE_WORKER = Grant(frozenset({"CASE_WORKER"}))
RECEIVER = Grant(frozenset({"RECEIVER"}))
REPORTER = Grant(frozenset({"REPORTER"}))
SURVEILLANCE = Grant(frozenset({"SURVEILLANCE"}))
ASSISTANCE = Grant(frozenset({"ASSISTANCE"}))
ANY_ASSISTANCE = Grant(frozenset({"ANY_ASSISTANCE"}))
FEEDBACK_READER = Grant(frozenset({"FEEDBACK_READER"}))
FEEDBACK_HANDLER = Grant(frozenset({"FEEDBACK_HANDLER"}))
FEEDBACK_OFFICER = Grant(frozenset({"FEEDBACK_OFFICER"}))
ANY_FEEDBACK = Grant(frozenset({"ANY_FEEDBACK"}))
REPORTS_4W = Grant(frozenset({"REPORTS_4W"}))
ANY_CLUSTER = Grant(frozenset({"ANY_CLUSTER"}))
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
    # The clusters the persona is a member of (coordinator or information manager).
    clusters: frozenset[str] = frozenset()

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
    # A case's assigned workers; a referral's receiving organisation and the role there that
    # handles its service.
    assigned: tuple[User, ...] = ()
    receiving_organisation_id: Any = None
    receiving_role: str = ""
    # A health facility's Directorate of Health, whose surveillance officers read its reports.
    directorate_id: Any = None
    # A sensitive feedback item, read by the focal points named for it alone.
    sensitive: bool = False
    focal_points: tuple[User, ...] = ()


SITE_STAFF_ROLES = frozenset({"site_manager", "information_manager"})
REGISTRY_ROLES = frozenset({"registration_officer", "site_manager"})
CASE_ROLES = frozenset({"case_worker", "gbv_case_worker", "mhpss_worker"})
REFERRING_ROLES = CASE_ROLES | REGISTRY_ROLES
REPORTING_ROLES = frozenset({"data_entry", "information_manager"})
ASSISTANCE_ROLE = "assistance_officer"
FEEDBACK_ROLE = "feedback_officer"
REPORTING_4W_ROLES = frozenset({"information_manager", "data_entry", "org_admin"})


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
            "ANY_ORG_ADMIN" in atoms
            and any("org_admin" in r for r in who.roles_by_organisation.values())
        )
        or (
            "ANY_IM" in atoms
            and any("information_manager" in r for r in who.roles_by_organisation.values())
        )
        or ("SITE_STAFF" in atoms and bool(roles & SITE_STAFF_ROLES))
        or (
            "ANY_SITE_STAFF" in atoms
            and any(r & SITE_STAFF_ROLES for r in who.roles_by_organisation.values())
        )
        or ("OWNER" in atoms and target.owner is not None and target.owner.pk == who.user.pk)
        or ("PUBLISHED" in atoms and target.published)
        or ("REGISTRY" in atoms and bool(roles & REGISTRY_ROLES))
        or (
            "ANY_REGISTRY" in atoms
            and any(r & REGISTRY_ROLES for r in who.roles_by_organisation.values())
        )
        or (
            "REGISTRY_EXPORT" in atoms
            and "personal_data_export" in roles
            and bool(roles & REGISTRY_ROLES)
        )
        or ("SERVICE_MAPPER" in atoms and "service_mapper" in roles)
        or (
            "ANY_SERVICE_MAPPER" in atoms
            and any("service_mapper" in r for r in who.roles_by_organisation.values())
        )
        or (
            "ANY_REFERRER" in atoms
            and any(r & REFERRING_ROLES for r in who.roles_by_organisation.values())
        )
        or (
            "ANY_CASE_WORKER" in atoms
            and any(r & CASE_ROLES for r in who.roles_by_organisation.values())
        )
        or ("ASSIGNED" in atoms and any(u.pk == who.user.pk for u in target.assigned))
        or ("CASE_WORKER" in atoms and "case_worker" in roles)
        or ("REPORTER" in atoms and bool(roles & REPORTING_ROLES))
        or ("ASSISTANCE" in atoms and ASSISTANCE_ROLE in roles)
        or ("REPORTS_4W" in atoms and bool(roles & REPORTING_4W_ROLES))
        or ("ANY_CLUSTER" in atoms and bool(who.clusters))
        or (
            "ANY_ASSISTANCE" in atoms
            and any(ASSISTANCE_ROLE in r for r in who.roles_by_organisation.values())
        )
        or ("FEEDBACK_OFFICER" in atoms and FEEDBACK_ROLE in roles)
        or (
            "ANY_FEEDBACK" in atoms
            and any(FEEDBACK_ROLE in r for r in who.roles_by_organisation.values())
        )
        or ("FEEDBACK_READER" in atoms and _reads_feedback(who, target, roles))
        or ("FEEDBACK_HANDLER" in atoms and _handles_feedback(who, target, roles))
        or (
            "SURVEILLANCE" in atoms
            and "surveillance_officer"
            in who.roles_by_organisation.get(target.directorate_id, frozenset())
        )
        or (
            "RECEIVER" in atoms
            and target.receiving_role
            in who.roles_by_organisation.get(target.receiving_organisation_id, frozenset())
        )
    )


def _focal_point(who: Who, target: Target) -> bool:
    return who.user is not None and any(u.pk == who.user.pk for u in target.focal_points)


def _handles_feedback(who: Who, target: Target, roles: frozenset[str]) -> bool:
    """A sensitive item: its named focal points alone; any other: the concerned organisation's
    feedback officers."""
    if target.sensitive:
        return _focal_point(who, target)
    return FEEDBACK_ROLE in roles


def _reads_feedback(who: Who, target: Target, roles: frozenset[str]) -> bool:
    """Who handles the item, and the receiving organisation's feedback officers for one that is
    not sensitive."""
    if target.sensitive:
        return _focal_point(who, target)
    receiver = who.roles_by_organisation.get(target.receiving_organisation_id, frozenset())
    return FEEDBACK_ROLE in roles or FEEDBACK_ROLE in receiver


# --- builders: the objects an endpoint acts on ------------------------------------------------


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


def nothing(world: World) -> Target:
    """The builder of an endpoint that acts on no object."""
    return Target()


# The matrix gives every admin's authenticator this key, so that one current code in a request's
# body serves whichever admin sends it (each cell is rolled back, so the code is never spent).
MATRIX_TOTP_KEY = "3132333435363738393031323334353637383930"


# --- the rows ---------------------------------------------------------------------------------


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


# --- the tables: every installed app's rows ---------------------------------------------------

# The module of an app's tests package that holds its rows: ``nahrain/<app>/tests/permissions.py``.
TABLE_MODULE = "permissions"
# Project-wide URLs that no app's URL configuration or router serves have their rows in core.
PROJECT_APP = "nahrain.core"
ENGINE_PATH = "nahrain/testing/permissions.py"


@dataclass(frozen=True)
class Table:
    """One app's rows (``nahrain.displacement``), from its tests package."""

    app: str
    rows: tuple[Decision, ...]

    @property
    def path(self) -> str:
        return table_path(self.app)


def table_path(app: str) -> str:
    return f"{app.replace('.', '/')}/tests/{TABLE_MODULE}.py"


def tables() -> tuple[Table, ...]:
    """The rows of every installed app under ``nahrain/`` that has a ``tests/permissions.py``,
    in the order of INSTALLED_APPS. An app without one has no rows: its URL patterns, if any,
    fail the coverage check, which is how a new app's missing table shows."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("nahrain."):
            continue
        name = f"{config.name}.tests.{TABLE_MODULE}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            # Only the table (or the tests package) being absent means "no rows"; a table that
            # fails to import must fail the test.
            if error.name in (name, f"{config.name}.tests"):
                continue
            raise
        found.append(Table(config.name, _rows(module)))
    return tuple(found)


def _rows(module: ModuleType) -> tuple[Decision, ...]:
    rows = getattr(module, "ENDPOINTS", None)
    if not isinstance(rows, tuple) or not all(isinstance(row, Decision) for row in rows):
        raise TypeError(f"{module.__name__}.ENDPOINTS must be a tuple of page(...) and api(...)")
    return rows


def endpoints() -> tuple[Decision, ...]:
    """Every app's rows, as one table."""
    return tuple(row for table in tables() for row in table.rows)


# --- coverage: every URL pattern has a decision ----------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str
    namespace: str
    ninja: bool
    callback: Any = field(compare=False, default=None)
    # The module of the innermost included URL configuration (``nahrain.collect.openrosa_urls``),
    # "" when the pattern is the project's own or in a list such as the API's.
    urlconf: str = field(compare=False, default="")

    @property
    def openapi_path(self) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.route)


def walk(
    patterns: list[Any], prefix: str = "", namespace: str = "", urlconf: str = ""
) -> Iterator[Pattern]:
    """Every URL pattern under a resolver's patterns, with its full route and namespace."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            module = getattr(entry.urlconf_module, "__name__", "") or urlconf
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner, module)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            yield Pattern(
                route=prefix + str(entry.pattern),
                name=f"{namespace}{entry.name}" if entry.name else "",
                namespace=namespace.rstrip(":"),
                ninja=getattr(callback, "__module__", "") == "ninja.operation",
                callback=callback,
                urlconf=urlconf,
            )


def keys_of(pattern: Pattern, openapi_paths: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The decision keys one URL pattern needs."""
    if pattern.namespace.split(":")[0] == "admin":
        return [ADMIN.key]
    if pattern.ninja and pattern.openapi_path in openapi_paths:
        methods = openapi_paths[pattern.openapi_path]
        return [f"{m.upper()} {pattern.openapi_path}" for m in methods if m.upper() in API_METHODS]
    return [pattern.name or pattern.route]


def owner(pattern: Pattern, key: str, openapi_paths: Mapping[str, Mapping[str, Any]]) -> str:
    """The app whose table the key's row belongs in: the app whose URL configuration includes the
    page, or whose module the API operation's id names (django-ninja's default id is the view's
    module and name, ``nahrain_displacement_api_round_list``)."""
    if " /" in key:
        method, path = key.split(" ", 1)
        operation_id = str(openapi_paths[path][method.lower()].get("operationId", ""))
        module = next(
            (
                config.name
                for config in apps.get_app_configs()
                if operation_id.startswith(config.name.replace(".", "_") + "_")
            ),
            "",
        )
    else:
        config = apps.get_containing_app_config(pattern.urlconf) if pattern.urlconf else None
        module = config.name if config is not None else ""
    return module if module.startswith("nahrain.") else PROJECT_APP


def suggestion(key: str) -> str:
    if " /" in key:
        return f'    api("{key}", SIGNED_IN),  # or PUBLIC, MEMBER, IM, OWNER, PLATFORM_ADMIN...'
    return f'    page("{key}", GET=SIGNED_IN, POST=NOBODY),  # or PUBLIC, MEMBER, IM, OWNER...'


def undecided(
    patterns: list[Any],
    openapi_paths: Mapping[str, Mapping[str, Any]],
    found: Iterable[Table] | None = None,
) -> list[str]:
    """Messages for URL patterns with no decision, decisions with no URL pattern, and keys
    decided in two places; ``found`` defaults to every app's table."""
    decided = {ADMIN.key: ENGINE_PATH}
    problems = []
    for table in tables() if found is None else found:
        for row in table.rows:
            if row.key in decided:
                problems.append(
                    f"{row.key!r} is decided in {decided[row.key]} and again in {table.path}: "
                    f"keep the line in the table of the app that serves it."
                )
            decided.setdefault(row.key, table.path)
    needed: dict[str, tuple[str, str]] = {}
    for pattern in walk(patterns):
        for key in keys_of(pattern, openapi_paths):
            needed.setdefault(key, (pattern.route, owner(pattern, key, openapi_paths)))
    problems += [
        f"No permission decision for {key!r} (URL pattern {route!r}). Add this line to "
        f"ENDPOINTS in {table_path(app)}, with the grant it should have:\n{suggestion(key)}"
        for key, (route, app) in needed.items()
        if key not in decided
    ]
    problems += [
        f"ENDPOINTS in {decided[key]} decides {key!r}, which no URL pattern serves any more: "
        f"remove that line."
        for key in sorted(set(decided) - set(needed))
    ]
    return problems
