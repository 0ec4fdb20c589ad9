"""API fuzzing: schemathesis generates requests from /api/v1/openapi.json, valid and invalid, and
sends them signed in as each persona. No answer may be a server error or break the schema.

The test command runs a bounded number of examples per operation and persona
(``NAHRAIN_FUZZ_EXAMPLES``, 3 by default); ``python3 dev.py fuzz`` runs a larger campaign.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as run_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from nahrain.assistance.tests import permissions as assistance_matrix
from nahrain.collect.tests import permissions as collect_matrix
from nahrain.coordination.tests import permissions as coordination_matrix
from nahrain.core.tests import permissions as core_matrix
from nahrain.displacement.tests import permissions as dtm_matrix
from nahrain.feedback.tests import permissions as feedback_matrix
from nahrain.geo.tests import permissions as geo_matrix
from nahrain.health.tests import permissions as health_matrix
from nahrain.intake.tests import permissions as intake_matrix
from nahrain.referrals.tests import permissions_cases as cases_matrix
from nahrain.referrals.tests import permissions_directory as directory_matrix
from nahrain.referrals.tests import permissions_referrals as referrals_matrix
from nahrain.registry.tests import permissions as registry_matrix
from nahrain.registry.tests import permissions_duplicates as duplicates_matrix
from nahrain.sites.tests import permissions as sites_matrix
from nahrain.testing.permissions import World
from nahrain.testing.personas import Persona, Personas
from nahrain.testing.report import record

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("NAHRAIN_FUZZ_EXAMPLES", "3"))
ROLES = {
    "anonymous": None,
    "outsider": "outsider",
    "viewer": "ahmed",
    "data entry": "hana",
    "information manager": "layla",
    # The one role that gets past the registry's gates (with the personal-data export).
    "registration officer": "rania",
    "admin of another organisation": "intersos_admin",
    "platform admin": "root",
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@contextmanager
def in_process_requests() -> Iterator[None]:
    """Keep Django from closing the test's connection at the end of each in-process request
    (as its own test client does), so every request sees the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _real_path_parameters(world: World) -> dict[str, list[Any]]:
    """Identifiers of objects that exist, so that requests reach past the 404 of a random id."""
    draft = dtm_matrix.draft_round(world).kwargs["round_uid"]
    published = dtm_matrix.published_round(world).kwargs["round_uid"]
    return {
        "round_uid": [draft, published],
        "other_uid": [published, draft],
        "organisation_id": [world.personas.iom.pk, world.personas.dama.pk],
        "token_id": [core_matrix.token(world).kwargs["token_id"]],
        "pcode": ["IQG09", "IQ", "iqg09q01"],
        "uid": [collect_matrix.submission(world).kwargs["uid"]],
        "location_uid": [
            geo_matrix.published_place(world).kwargs["location_uid"],
            geo_matrix.draft_place(world).kwargs["location_uid"],
        ],
        "job_uid": [intake_matrix.job(world).kwargs["job_uid"]],
        "spec_name": ["displacement.master_list", "geo.aliases"],
        "target_uid": [str(draft), str(world.personas.iom.pk)],
        "site_uid": [
            sites_matrix.site(world).kwargs["site_uid"],
            sites_matrix.informal_site(world).kwargs["site_uid"],
        ],
        "gap_uid": [sites_matrix.gap(world).kwargs["gap_uid"]],
        "unit_uid": [sites_matrix.iom_unit(world).uid],
        "allocation_uid": [sites_matrix.vacate_body(world).kwargs["allocation_uid"]],
        "closure_uid": [sites_matrix.iom_closure(world).kwargs["closure_uid"]],
        "household_uid": [registry_matrix.household(world).kwargs["household_uid"]],
        "individual_uid": [registry_matrix.individual(world).kwargs["individual_uid"]],
        "consent_uid": [registry_matrix.consent(world).kwargs["consent_uid"]],
        "pair_id": [duplicates_matrix.iom_pair(world).kwargs["pair_id"]],
        "referral_uid": [referrals_matrix.referral(world).kwargs["referral_uid"]],
        "case_uid": [
            cases_matrix.gbv(world).kwargs["case_uid"],
            cases_matrix.child_protection(world).kwargs["case_uid"],
        ],
        "point_uid": [
            directory_matrix.published_api(world).kwargs["point_uid"],
            directory_matrix.draft_api(world).kwargs["point_uid"],
        ],
        "facility_uid": [health_matrix.facility(world).kwargs["facility_uid"]],
        "period": ["month", "week"],
        "start": [health_matrix.MONTH, "2026-11-29"],
        "week": [health_matrix.WEEK, "2026-W48"],
        "consultation_report_uid": [
            health_matrix.consultation_report(world).kwargs["consultation_report_uid"]
        ],
        "ewarn_report_uid": [health_matrix.ewarn_report(world).kwargs["ewarn_report_uid"]],
        "alert_uid": [health_matrix.alert(world).kwargs["alert_uid"]],
        "programme_uid": [assistance_matrix.programme(world).kwargs["programme_uid"]],
        "list_uid": [assistance_matrix.checked_list(world).kwargs["list_uid"]],
        "distribution_uid": [assistance_matrix.distribution(world).kwargs["distribution_uid"]],
        "sample_uid": [assistance_matrix.sample(world).kwargs["sample_uid"]],
        "batch_uid": [assistance_matrix.batch(world).kwargs["batch_uid"]],
        "feedback_uid": [
            feedback_matrix.new_item(world).kwargs["feedback_uid"],
            feedback_matrix.sensitive_item(world).kwargs["feedback_uid"],
        ],
        "plan_uid": [coordination_matrix.plan(world).kwargs["plan_uid"]],
        "cluster": ["snfi", "health"],
        "month": [coordination_matrix.report(world).kwargs["month"], "2018-03"],
    }


def _strategy(operation: Any, real: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    """Valid and invalid requests for the operation, half of those with path parameters aimed
    at objects that exist."""
    names = [param.name for param in operation.path_parameters]
    # The n-th identifier of each parameter together (round_uid with other_uid...); the lists
    # differ in length, and the shortest sets how many combinations there are.
    columns = zip(*(real[n] for n in names), strict=False)
    choices = [dict(zip(names, values, strict=True)) for values in columns]

    def aimed(mode: GenerationMode) -> st.SearchStrategy[Any]:
        return st.sampled_from(choices).flatmap(
            lambda fixed: operation.as_strategy(mode, path_parameters=fixed)
        )

    generated = [operation.as_strategy(mode) for mode in GenerationMode]
    return st.one_of(*generated, *(aimed(mode) for mode in GenerationMode if choices))


def _campaign(
    strategy: st.SearchStrategy[Any], role: str, secret: str | None, failures: list[str]
) -> int:
    """Send the strategy's requests as one role, each in a savepoint rolled back afterwards;
    failures are collected so that one run reports them all. Returns the requests sent."""
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    sent = 0

    @run_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=os.environ.get("NAHRAIN_FUZZ_RANDOM") != "1",
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case: Any) -> None:
        nonlocal sent
        with transaction.atomic():
            response = case.call(headers=headers)
            sent += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                failures.append(f"as {role}: {group.message}")
            transaction.set_rollback(True)

    send()
    return sent


def test_generated_requests_get_no_server_error_and_answers_that_fit_the_schema(
    personas: Personas,
    rawa: Persona,
    jwan: Persona,
    lina: Persona,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.DATA_DIR = tmp_path
    world = World(personas)
    real = _real_path_parameters(world)
    tokens = {
        role: getattr(personas, name).token() if name else None for role, name in ROLES.items()
    }
    # Personas of fixtures of their own, so that the feedback operations get past their 404:
    # IOM's feedback officer, its focal point for sexual exploitation and abuse (named by the
    # feedback rows' builders, so she reads the sensitive item aimed at) and INTERSOS's officer.
    tokens |= {
        "feedback officer (IOM)": rawa.token(),
        "focal point (IOM)": jwan.token(),
        "feedback officer of another organisation": lina.token(),
    }
    sent = 0
    failures: list[str] = []
    with in_process_requests():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
        for result in schema.get_all_operations():
            strategy = _strategy(result.ok(), real)  # type: ignore[union-attr]
            for role, secret in tokens.items():
                sent += _campaign(strategy, role, secret, failures)
    record("API fuzzing: requests generated and checked", sent)
    assert not failures, "\n\n".join(failures[:20]) + f"\n\n{len(failures)} failure(s) in all"
