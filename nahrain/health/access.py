"""Who may read and change health facilities, their reports and alerts: the one rule the gates,
selectors, exports and pages read (docs/SECURITY.md, "Health").

- **Facilities** (name, kind, district, functionality, catchment) are read by every signed-in
  user: a health worker looks up where to send a patient, a cluster coordinator where the gaps
  are. They are changed by the information managers of the organisation that runs them.
- **Reports** (consultations, EWARN weeks, immediate alerts) are aggregates, not personal data,
  but an organisation's own: they are read by the members of the organisation that runs the
  facility or supports it, and by the surveillance officers of its Directorate of Health. They
  are sent by those organisations' data entry staff and information managers.
- **Alerts** are read by whoever reads the reports of a facility that fed them, and by the
  surveillance officers of a directorate with a facility in the alert's district. The
  surveillance officers move an alert along its steps (verify, discard, investigate, respond,
  close).
- A platform admin reads none of it as such: they run the server, not the response.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from nahrain.core.access import AnyUser
from nahrain.core.models import Membership, Organisation, Role
from nahrain.health.models import (
    Alert,
    AlertSignal,
    ConsultationReport,
    EwarnReport,
    Facility,
)

REPORTING_ROLES = (Role.DATA_ENTRY, Role.INFORMATION_MANAGER)
MANAGING_ROLES = (Role.INFORMATION_MANAGER,)
SURVEILLANCE_ROLES = (Role.SURVEILLANCE_OFFICER,)


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def _organisations(user: AnyUser, roles: tuple[str, ...] | None = None) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    members = Membership.objects.filter(user_id=user.pk)
    if roles is not None:
        members = members.filter(role__in=roles)
    return Organisation.objects.filter(pk__in=members.values("organisation_id"))


def _reading_rule(user: AnyUser) -> Q:
    """Facilities whose reports the user reads: run or supported by one of their
    organisations, or under a directorate where they are a surveillance officer."""
    mine = _organisations(user)
    return (
        Q(organisation__in=mine)
        | Q(supporters__in=mine)
        | Q(directorate__in=_organisations(user, SURVEILLANCE_ROLES))
    )


def facilities_readable(user: AnyUser) -> QuerySet[Facility]:
    if not user.is_authenticated:
        return Facility.objects.none()
    return Facility.objects.all()


def facilities_reported(user: AnyUser) -> QuerySet[Facility]:
    """The facilities whose reports and alerts the user reads."""
    if not user.is_authenticated:
        return Facility.objects.none()
    return Facility.objects.filter(pk__in=Facility.objects.filter(_reading_rule(user)).values("pk"))


def facilities_reporting(user: AnyUser) -> QuerySet[Facility]:
    """The facilities the user sends reports for."""
    mine = _organisations(user, REPORTING_ROLES)
    return Facility.objects.filter(
        pk__in=Facility.objects.filter(Q(organisation__in=mine) | Q(supporters__in=mine)).values(
            "pk"
        )
    )


def facilities_managed(user: AnyUser) -> QuerySet[Facility]:
    return Facility.objects.filter(organisation__in=_organisations(user, MANAGING_ROLES))


def organisations_managing(user: AnyUser) -> QuerySet[Organisation]:
    """The organisations in which the user adds and changes facilities."""
    return _organisations(user, MANAGING_ROLES)


def access_organisation_for_reporting(user: AnyUser, uid: Any) -> Organisation:
    """An organisation the user sends reports for (a file of reports goes into it)."""
    try:
        return _organisations(user, REPORTING_ROLES).get(pk=_uuid(uid))
    except Organisation.DoesNotExist:
        raise Http404 from None


def directorates_watched(user: AnyUser) -> QuerySet[Organisation]:
    return _organisations(user, SURVEILLANCE_ROLES)


def consultation_reports_readable(user: AnyUser) -> QuerySet[ConsultationReport]:
    return ConsultationReport.objects.filter(facility__in=facilities_reported(user))


def ewarn_reports_readable(user: AnyUser) -> QuerySet[EwarnReport]:
    return EwarnReport.objects.filter(facility__in=facilities_reported(user))


def alerts_readable(user: AnyUser) -> QuerySet[Alert]:
    if not user.is_authenticated:
        return Alert.objects.none()
    fed = AlertSignal.objects.filter(alert=OuterRef("pk"), facility__in=facilities_reported(user))
    watched = Facility.objects.filter(
        district=OuterRef("district"), directorate__in=directorates_watched(user)
    )
    return Alert.objects.filter(Q(Exists(fed)) | Q(Exists(watched)))


def alerts_worked(user: AnyUser) -> QuerySet[Alert]:
    """The alerts the user moves along their steps: a surveillance officer of a directorate
    with a facility in the alert's district."""
    watched = Facility.objects.filter(
        district=OuterRef("district"), directorate__in=directorates_watched(user)
    )
    return Alert.objects.filter(Exists(watched))


# --- gates: the same 404 for "does not exist" and "not yours" --------------------------------


def access_facility_by_uid(user: AnyUser, uid: Any) -> Facility:
    try:
        return facilities_readable(user).get(uid=_uuid(uid))
    except Facility.DoesNotExist:
        raise Http404 from None


def access_facility_for_change(user: AnyUser, uid: Any) -> Facility:
    try:
        return facilities_managed(user).get(uid=_uuid(uid))
    except Facility.DoesNotExist:
        raise Http404 from None


def access_facility_for_reporting(user: AnyUser, uid: Any) -> Facility:
    try:
        return facilities_reporting(user).get(uid=_uuid(uid))
    except Facility.DoesNotExist:
        raise Http404 from None


def reads_reports(user: AnyUser, facility: Facility) -> bool:
    return facilities_reported(user).filter(pk=facility.pk).exists()


def access_consultation_report_by_uid(user: AnyUser, uid: Any) -> ConsultationReport:
    try:
        return consultation_reports_readable(user).get(uid=_uuid(uid))
    except ConsultationReport.DoesNotExist:
        raise Http404 from None


def access_ewarn_report_by_uid(user: AnyUser, uid: Any) -> EwarnReport:
    try:
        return ewarn_reports_readable(user).get(uid=_uuid(uid))
    except EwarnReport.DoesNotExist:
        raise Http404 from None


def access_alert_by_uid(user: AnyUser, uid: Any) -> Alert:
    try:
        return alerts_readable(user).get(uid=_uuid(uid))
    except Alert.DoesNotExist:
        raise Http404 from None


def access_alert_for_work(user: AnyUser, uid: Any) -> Alert:
    try:
        return alerts_worked(user).get(uid=_uuid(uid))
    except Alert.DoesNotExist:
        raise Http404 from None
