from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from nahrain.core import access, selectors, services
from nahrain.core.http import no_store
from nahrain.core.schemas import (
    ApiTokenCreatedOut,
    ApiTokenIn,
    ApiTokenOut,
    ErrorOut,
    MemberOut,
    MeOut,
    OrganisationOut,
)

router = Router(tags=["core"])


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    memberships = [
        {
            "organisation": m.organisation.acronym,
            "organisation_id": str(m.organisation_id),
            "role": m.role,
        }
        for m in selectors.memberships_of(user=request.user)
    ]
    return MeOut(
        username=request.user.get_username(),
        is_platform_admin=access.is_platform_admin(request.user),
        memberships=memberships,
    )


@router.get("/organisations", response=list[OrganisationOut])
def organisation_list(request: HttpRequest) -> list[OrganisationOut]:
    return [OrganisationOut.from_orm(o) for o in selectors.organisation_list(user=request.user)]


@router.get("/organisations/{organisation_id}", response=OrganisationOut)
def organisation_detail(request: HttpRequest, organisation_id: uuid.UUID) -> OrganisationOut:
    return OrganisationOut.from_orm(access.access_organisation_by_id(request.user, organisation_id))


@router.get("/organisations/{organisation_id}/members", response=list[MemberOut])
def organisation_members(
    request: HttpRequest, organisation_id: uuid.UUID, response: HttpResponse
) -> list[MemberOut]:
    organisation = access.access_organisation_members(request.user, organisation_id)
    no_store(response)
    return [
        MemberOut(
            id=m.pk, username=m.user.get_username(), full_name=m.user.get_full_name(), role=m.role
        )
        for m in selectors.membership_list(user=request.user, organisation=organisation)
    ]


@router.get("/tokens", response=list[ApiTokenOut])
def token_list(request: HttpRequest) -> list[ApiTokenOut]:
    return [ApiTokenOut.from_orm(t) for t in selectors.api_token_list(user=request.user)]


@router.post("/tokens", response={201: ApiTokenCreatedOut, 403: ErrorOut})
def token_create(
    request: HttpRequest, payload: ApiTokenIn, response: HttpResponse
) -> Status[ApiTokenCreatedOut] | Status[ErrorOut]:
    """Issue a token. Platform and organisation admins give a current code of their
    authenticator app in ``code``; 403 without a valid one."""
    try:
        token, secret = services.api_token_create_confirmed(
            user=request.user,  # type: ignore[arg-type]
            name=payload.name,
            code=payload.code,
        )
    except services.SecondFactorRefused:
        return Status(403, ErrorOut(detail="A current code of the authenticator app is required"))
    no_store(response)
    return Status(201, ApiTokenCreatedOut(**ApiTokenOut.from_orm(token).dict(), secret=secret))


@router.delete("/tokens/{token_id}", response=ApiTokenOut)
def token_revoke(request: HttpRequest, token_id: uuid.UUID) -> ApiTokenOut:
    token = access.access_api_token_by_id(request.user, token_id)
    return ApiTokenOut.from_orm(services.api_token_revoke(actor=request.user, token=token))  # type: ignore[arg-type]
