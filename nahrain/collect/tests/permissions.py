"""Field data collection's rows of the permission matrix (nahrain/testing/permissions.py): the
review pages and API, collector accounts, and the OpenRosa server ODK Collect talks to, with the
builders of the objects they act on (IOM's published forms, a collector, a submission)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from nahrain.collect import services
from nahrain.collect.tests.conftest import assessment_values
from nahrain.collect.tests.odk import fill_instance
from nahrain.displacement import services as displacement
from nahrain.geo.models import AdminUnit, Location
from nahrain.geo.tests.permissions import gazetteer
from nahrain.testing.permissions import (
    ANY_ASSISTANCE,
    ANY_FEEDBACK,
    ANY_IM,
    ANY_REGISTRY,
    COLLECTOR,
    IM,
    NOBODY,
    SIGNED_IN,
    Decision,
    Target,
    World,
    api,
    page,
)

# --- builders ---------------------------------------------------------------------------------


def field_set_up(world: World) -> Any:
    """IOM's forms published, a collector account, and the draft round 125 the form names;
    returns the location-assessment form and the collector."""

    def make() -> Any:
        gazetteer(world)
        Location.objects.get_or_create(
            external_id="7001",
            defaults={
                "name_en": "Zakho centre",
                "admin_unit": AdminUnit.objects.get(pcode="IQG09Q04"),
                "published_at": timezone.now(),
            },
        )
        layla, iom_org = world.personas.layla.user, world.personas.iom
        # Other apps' forms (the sites app's) are published beside DTM's: picked by id.
        assessment = next(
            version
            for version in services.forms_publish(actor=layla, organisation=iom_org)
            if version.form.form_id == "dtm_location_assessment"
        )
        collector, _password = services.collector_create(
            actor=layla, organisation=iom_org, username="matrix01"
        )
        displacement.round_create(
            actor=layla, organisation=iom_org, number=125, reference_date=date(2024, 6, 30)
        )
        return assessment, collector

    return world.once("field", make)


def collector(world: World) -> Target:
    """A data-collector account of IOM's."""
    _assessment, account = field_set_up(world)
    return Target(kwargs={"uid": account.uid}, organisation_id=account.organisation_id)


def submission(world: World) -> Target:
    """A location assessment sent to IOM by its collector, waiting for review (it names a key
    informant)."""
    assessment, account = field_set_up(world)

    def make() -> Any:
        xml = fill_instance(assessment.xml, assessment_values(), instance_id="uuid:matrix")
        return services.submission_receive(collector=account, xml=xml, attachments=[]).submission

    received = world.once("submission", make)
    return Target(
        kwargs={"uid": received.uid},
        organisation_id=account.organisation_id,
        json={"reason": "matrix"},
        form={"reason": "matrix"},
    )


def correction(world: World) -> Target:
    """One answer of IOM's waiting submission corrected (the households it already has, so that
    a row granted twice changes nothing the next row reads)."""
    target = submission(world)
    return Target(
        kwargs=target.kwargs, organisation_id=target.organisation_id, form={"households": "40"}
    )


def new_collector(world: World) -> Target:
    return Target(form={"username": "matrix02", "display_name": "Matrix"})


def form_of_iom(world: World) -> Target:
    """IOM's published location-assessment form, as ODK Collect asks for it."""
    assessment, account = field_set_up(world)
    return Target(
        kwargs={"uid": assessment.uid, "filename": "locations.csv"},
        organisation_id=account.organisation_id,
    )


# --- the rows ---------------------------------------------------------------------------------

COLLECT_AUTH: dict[str, Any] = {"anonymous": 401, "denied": 401, "auth": "basic"}

ENDPOINTS: tuple[Decision, ...] = (
    # review pages for information managers
    # Registration staff review their organisation's household registrations and assistance
    # officers its distribution and PDM forms (forms naming them their reviewers), feedback
    # officers the help-desk form's receipts, information managers every other form.
    page("collect:queue", GET=ANY_IM | ANY_REGISTRY | ANY_ASSISTANCE | ANY_FEEDBACK, POST=NOBODY),
    page("collect:submission", GET=IM, POST=NOBODY, build=submission),
    page("collect:correct", GET=NOBODY, POST=IM, build=correction, ok={"POST": 302}),
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
    # other organisations' submissions are not listed
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
