"""The assistance app's rows of the permission matrix (nahrain/testing/permissions.py), with the
builders of the objects they act on: IOM's winter NFI programme with its rules, a checked list
and an approved one (built by a former officer, so that either of IOM's assistance officers may
approve), a distribution under way serving the approved list with one household served, a
monitoring sample of it and a cash payment batch.

Programmes are read by every member of IOM and written by its information managers and
assistance officers; lists, distributions, payments and samples are personal data read and
written by IOM's assistance officers alone (not its other members, not platform admins).
Everyone else is answered 404, as for what does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from nahrain.assistance.models import (
    Distribution,
    DistributionList,
    DistributionStatus,
    ListEntry,
    ListStatus,
    MonitoringSample,
    Payment,
    PaymentBatch,
    Programme,
    ProgrammeStatus,
    Receipt,
    Rules,
    SampledHousehold,
)
from nahrain.core import services as core_services
from nahrain.registry.tests.permissions import iom_household
from nahrain.testing.permissions import (
    ANY_ASSISTANCE,
    ANY_IM,
    ASSISTANCE,
    IM,
    MEMBER,
    NOBODY,
    SIGNED_IN,
    Decision,
    Target,
    World,
    api,
    page,
)

A = "/api/v1/assistance"
KIT = {"items": [{"item": "nfi_kit", "quantity": 1}]}
RULES = {
    "eligible": {"size_min": 1, "size_max": None},
    "entitlement": KIT,
    "exclusions": [{"rule": "served_recently", "kinds": ["nfi_top_up"], "days": 90}],
}
WRITERS = IM | ASSISTANCE

# --- builders ---------------------------------------------------------------------------------


@dataclass
class Objects:
    programme: Programme
    checked: DistributionList
    approved: DistributionList
    distribution: Distribution
    sample: MonitoringSample
    batch: PaymentBatch


def _objects(world: World) -> Objects:
    def make() -> Objects:
        iom = world.personas.iom
        household = iom_household(world)
        # An officer who has since left IOM built the lists: any officer there approves them.
        former = core_services.user_create(username="former_officer", password="not used 12345")
        programme = Programme.objects.create(
            organisation=iom,
            code="NFI-MATRIX",
            name_en="Winter NFI top-up",
            kind="nfi_top_up",
            modality="in_kind",
            cluster="snfi",
            cycles=2,
            cycle_days=30,
            starts_on=date(2026, 11, 1),
            status=ProgrammeStatus.ACTIVE,
            created_by=former,
        )
        rules = Rules.objects.create(programme=programme, version=1, document=RULES, source="CP")

        def made(version: int, status: str, token: str) -> tuple[DistributionList, ListEntry]:
            found = DistributionList.objects.create(
                programme=programme,
                version=version,
                rules=rules,
                source="registry",
                status=status,
                built_by=former,
                checked_at=timezone.now(),
                households=1,
                people=household.size,
            )
            entry = ListEntry.objects.create(
                list=found,
                household=household,
                entitlement=KIT,
                token=token,
                people=household.size,
                head_sex="m",
            )
            return found, entry

        checked, _entry = made(2, ListStatus.CHECKED, "MTX3-CHK4")
        approved, entry = made(1, ListStatus.APPROVED, "MTX4-APR6")
        DistributionList.objects.filter(pk=approved.pk).update(
            approved_by=world.personas.layla.user, approved_at=timezone.now()
        )
        # Checked after the approval, as the check of a new version is.
        DistributionList.objects.filter(pk=checked.pk).update(checked_at=timezone.now())
        distribution = Distribution.objects.create(
            programme=programme,
            list=approved,
            cycle=1,
            planned_on=date(2026, 12, 1),
            place="Hall 2",
            team="Team A",
            status=DistributionStatus.OPEN,
            stock={"nfi_kit": 10},
        )
        receipt = Receipt.objects.create(
            distribution=distribution,
            programme=programme,
            cycle=1,
            entry=entry,
            household=household,
            outcome="received",
            served=True,
            given=KIT,
            recorded_at=timezone.now(),
            key="matrix:1",
        )
        sample = MonitoringSample.objects.create(
            distribution=distribution,
            confidence=Decimal("0.95"),
            margin=Decimal("0.05"),
            size=1,
            strata={"m": {"population": 1, "sample": 1}},
            seed="matrix",
        )
        SampledHousehold.objects.create(sample=sample, receipt=receipt, stratum="m", position=1)
        batch = PaymentBatch.objects.create(
            programme=programme, list=approved, cycle=1, provider="zain_cash"
        )
        Payment.objects.create(
            batch=batch, entry=entry, amount=Decimal("220.00"), currency="USD", reference="MTXPAY1"
        )
        return Objects(programme, checked, approved, distribution, sample, batch)

    found: Objects = world.once("assistance.objects", make)
    return found


def _target(world: World, json: dict[str, Any] | None = None, **kwargs: Any) -> Target:
    return Target(kwargs=kwargs, json=json, organisation_id=world.personas.iom.pk)


def programme(world: World) -> Target:
    return _target(world, programme_uid=_objects(world).programme.uid)


def programme_change(world: World) -> Target:
    body = {"name_en": "Winter NFI top-up 2026"}
    return _target(world, body, programme_uid=_objects(world).programme.uid)


def rules_put(world: World) -> Target:
    body = {"document": RULES, "source": "CP"}
    return _target(world, body, programme_uid=_objects(world).programme.uid)


def checked_list(world: World) -> Target:
    return _target(world, list_uid=_objects(world).checked.uid)


def distribution(world: World) -> Target:
    return _target(world, distribution_uid=_objects(world).distribution.uid)


def receipt_post(world: World) -> Target:
    body = {
        "token": "MTX4-APR6",
        "outcome": "absent",
        "key": "matrix:absent",
        "recorded_at": "2026-12-01T10:00:00+03:00",
    }
    return _target(world, body, distribution_uid=_objects(world).distribution.uid)


def distribution_post(world: World) -> Target:
    objects = _objects(world)
    body = {"list_uid": str(objects.approved.uid), "cycle": 2, "planned_on": "2026-12-20"}
    return _target(world, body, programme_uid=objects.programme.uid)


def sample(world: World) -> Target:
    return _target(world, sample_uid=_objects(world).sample.uid)


def sample_post(world: World) -> Target:
    return _target(world, {}, distribution_uid=_objects(world).distribution.uid)


def batch(world: World) -> Target:
    return _target(world, batch_uid=_objects(world).batch.uid)


def programme_new(world: World) -> Target:
    """A new programme's body: an information manager or assistance officer adds one to their
    own organisation."""
    return Target(
        json={
            "code": "NFI-NEW",
            "name_en": "New NFI",
            "kind": "nfi_kit",
            "modality": "in_kind",
            "cluster": "snfi",
            "starts_on": "2026-12-01",
        }
    )


# --- the rows ---------------------------------------------------------------------------------


def payments_post(world: World) -> Target:
    """A batch of a list of the in-kind programme: refused for the modality (422), after the
    gate has answered who may ask."""
    objects = _objects(world)
    body = {"list_uid": str(objects.approved.uid), "cycle": 1, "provider": "generic_csv"}
    return _target(world, body, programme_uid=objects.programme.uid)


def programme_step(world: World) -> Target:
    return _target(world, {"to": "closed"}, programme_uid=_objects(world).programme.uid)


def list_build(world: World) -> Target:
    return _target(world, {}, programme_uid=_objects(world).programme.uid)


def list_decision(world: World) -> Target:
    return _target(world, {"decision": "approve"}, list_uid=_objects(world).checked.uid)


def distribution_step(world: World) -> Target:
    body = {"to": "closed", "returned": {"nfi_kit": 9}}
    return _target(world, body, distribution_uid=_objects(world).distribution.uid)


ENDPOINTS: tuple[Decision, ...] = (
    api(f"GET {A}/programmes", SIGNED_IN),
    api(f"POST {A}/programmes", ANY_IM | ANY_ASSISTANCE, programme_new, ok=201),
    api(f"GET {A}/programmes/{{programme_uid}}", MEMBER, programme),
    api(f"PATCH {A}/programmes/{{programme_uid}}", WRITERS, programme_change),
    api(f"POST {A}/programmes/{{programme_uid}}/steps", WRITERS, programme_step),
    api(f"GET {A}/programmes/{{programme_uid}}/rules", MEMBER, programme),
    api(f"POST {A}/programmes/{{programme_uid}}/rules", WRITERS, rules_put, ok=201),
    api(f"GET {A}/programmes/{{programme_uid}}/lists", ASSISTANCE, programme, personal=True),
    api(
        f"POST {A}/programmes/{{programme_uid}}/lists",
        ASSISTANCE,
        list_build,
        ok=201,
        personal=True,
    ),
    api(
        f"GET {A}/lists/{{list_uid}}",
        ASSISTANCE,
        checked_list,
        audit="assistance.list_read",
        personal=True,
    ),
    api(f"POST {A}/lists/{{list_uid}}/decisions", ASSISTANCE, list_decision, personal=True),
    api(
        f"POST {A}/programmes/{{programme_uid}}/distributions",
        ASSISTANCE,
        distribution_post,
        ok=201,
        personal=True,
    ),
    api(
        f"GET {A}/distributions/{{distribution_uid}}",
        ASSISTANCE,
        distribution,
        audit="assistance.distribution_read",
        personal=True,
    ),
    api(
        f"POST {A}/distributions/{{distribution_uid}}/steps",
        ASSISTANCE,
        distribution_step,
        personal=True,
    ),
    api(
        f"POST {A}/distributions/{{distribution_uid}}/receipts",
        ASSISTANCE,
        receipt_post,
        ok=201,
        personal=True,
    ),
    api(
        f"POST {A}/distributions/{{distribution_uid}}/samples",
        ASSISTANCE,
        sample_post,
        ok=201,
        personal=True,
    ),
    api(
        f"GET {A}/samples/{{sample_uid}}",
        ASSISTANCE,
        sample,
        audit="assistance.sample_read",
        personal=True,
    ),
    api(
        f"POST {A}/programmes/{{programme_uid}}/payment-batches",
        ASSISTANCE,
        payments_post,
        ok=422,
        personal=True,
    ),
    api(
        f"GET {A}/payment-batches/{{batch_uid}}",
        ASSISTANCE,
        batch,
        audit="assistance.payment_batch_read",
        personal=True,
    ),
    api(f"GET {A}/reach", SIGNED_IN),
    # The pages (assistance/urls.py). A form posted empty is shown again with its problems (200);
    # a step posted empty goes back to the page it came from (302).
    page("assistance:programmes", GET=SIGNED_IN, POST=NOBODY),
    page("assistance:programme_new", GET=ANY_IM | ANY_ASSISTANCE, POST=ANY_IM | ANY_ASSISTANCE),
    page("assistance:programme", GET=MEMBER, POST=NOBODY, build=programme),
    page("assistance:programme_edit", GET=WRITERS, POST=WRITERS, build=programme),
    page(
        "assistance:programme_status",
        GET=NOBODY,
        POST=WRITERS,
        build=programme,
        ok={"POST": 302},
    ),
    page("assistance:rules", GET=WRITERS, POST=WRITERS, build=programme),
    page(
        "assistance:list_build",
        GET=NOBODY,
        POST=ASSISTANCE,
        build=programme,
        ok={"POST": 302},
        personal=True,
    ),
    page(
        "assistance:distribution_new",
        GET=ASSISTANCE,
        POST=ASSISTANCE,
        build=programme,
        personal=True,
    ),
    page(
        "assistance:payments_new", GET=ASSISTANCE, POST=ASSISTANCE, build=programme, personal=True
    ),
    page(
        "assistance:list",
        GET=ASSISTANCE,
        POST=NOBODY,
        build=checked_list,
        audit={"GET": "assistance.list_read"},
        personal=True,
    ),
    page(
        "assistance:list_decide",
        GET=NOBODY,
        POST=ASSISTANCE,
        build=checked_list,
        ok={"POST": 302},
        personal=True,
    ),
    page(
        "assistance:distribution",
        GET=ASSISTANCE,
        POST=NOBODY,
        build=distribution,
        audit={"GET": "assistance.distribution_read"},
        personal=True,
    ),
    page(
        "assistance:distribution_sheet",
        GET=ASSISTANCE,
        POST=NOBODY,
        build=distribution,
        audit={"GET": "assistance.sheet_read"},
        personal=True,
    ),
    page(
        "assistance:distribution_record",
        GET=ASSISTANCE,
        POST=ASSISTANCE,
        build=distribution,
        personal=True,
    ),
    page(
        "assistance:distribution_status",
        GET=NOBODY,
        POST=ASSISTANCE,
        build=distribution,
        ok={"POST": 302},
        personal=True,
    ),
    page(
        "assistance:sample_draw",
        GET=NOBODY,
        POST=ASSISTANCE,
        build=distribution,
        ok={"POST": 302},
        personal=True,
    ),
    page(
        "assistance:payment_batch",
        GET=ASSISTANCE,
        POST=NOBODY,
        build=batch,
        audit={"GET": "assistance.payment_batch_read"},
        personal=True,
    ),
    page(
        "assistance:payment_file",
        GET=ASSISTANCE,
        POST=NOBODY,
        build=batch,
        audit={"GET": "assistance.payments_file"},
        personal=True,
    ),
    page(
        "assistance:sample",
        GET=ASSISTANCE,
        POST=NOBODY,
        build=sample,
        audit={"GET": "assistance.sample_read"},
        personal=True,
    ),
    page("assistance:reach", GET=SIGNED_IN, POST=NOBODY),
    page(
        "assistance:reach_hxl",
        GET=SIGNED_IN,
        POST=NOBODY,
        audit={"GET": "assistance.reach_export"},
    ),
)
