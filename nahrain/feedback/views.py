"""Pages of the complaints and feedback mechanism: the queue, the help desk's entry, an item with
its history and the steps of its handling, the confirmation after a sensitive item (its
reference and nothing else), the trends, the anonymised export and the focal points. Thin, over
``access``, the selectors and the services. Items carry personal data: their pages are kept by
no cache and every read is audited (by the selectors)."""

from __future__ import annotations

import csv
import datetime
import io
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nahrain.core.forms import refusal_onto
from nahrain.core.http import AuthenticatedHttpRequest, no_store, per_reader, personal_data
from nahrain.core.models import Organisation, Role
from nahrain.feedback import access, codelists, exports, selectors, services
from nahrain.feedback.forms import (
    AssignForm,
    FeedbackForm,
    FocalPointForm,
    LinkForm,
    NoContactForm,
    NoteForm,
    QueueFilter,
    ReclassifyForm,
    ReferForm,
    ResolveForm,
    StepForm,
    TellForm,
)
from nahrain.feedback.models import Feedback, FocalPoint, Status
from nahrain.sites.access import sites_visible

GET_OR_POST = ["GET", "HEAD", "POST"]
PER_PAGE = 50
# The session key under which the help desk's page keeps the reference of the sensitive item it
# just recorded, for the confirmation page alone: the reference is in no URL.
RECORDED = "feedback_recorded_reference"

# The steps an item takes in each status (the services refuse the others anyway; the page
# offers only what can be done).
STEPS_BY_STATUS: dict[str, tuple[str, ...]] = {
    Status.NEW: ("assign", "start", "refer", "link", "close_no_contact", "note"),
    Status.ASSIGNED: ("start", "assign", "refer", "link", "close_no_contact", "note"),
    Status.IN_PROGRESS: ("resolve", "assign", "refer", "link", "close_no_contact", "note"),
    Status.RESOLVED: ("tell", "close_no_contact", "note"),
    Status.TOLD: ("close", "note"),
    Status.CLOSED: ("note",),
    Status.CLOSED_NO_CONTACT: ("note",),
}


def handles_any(user: Any) -> bool:
    """Whether the queue is the user's: a feedback officer somewhere, or a named focal point."""
    return (
        access.organisations_recording(user).exists() or access.focal_points_current(user).exists()
    )


def _written(form: forms.Form, write: Any) -> Any:
    """The service's answer, or None with its refusal put on the form."""
    try:
        return write()
    except ValidationError as error:
        refusal_onto(form, error)
        return None


# --- the queue --------------------------------------------------------------------------------


@login_required
@require_safe
@personal_data
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The items the user reads, newest first, with their deadlines; filtered by status,
    category, channel, site, past the deadline or assigned to them."""
    if not handles_any(request.user):
        raise Http404
    filters = QueueFilter(request.GET or None, sites=sites_visible(request.user))
    found = selectors.feedback_list(user=request.user, **filters.selection()).select_related(
        "site", "assigned_to", "concerned"
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feedback/queue.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "records": access.organisations_recording(request.user).exists(),
            "administers": _administered(request.user).exists(),
            "pdm_waiting": selectors.pdm_complaints_waiting(user=request.user),
        },
    )


# --- the help desk ----------------------------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The help desk's page: a complaint, question or thanks recorded as the person says it. A
    sensitive one goes to the focal points and the page answers with its reference alone."""
    organisations = access.organisations_recording(request.user).order_by("acronym")
    if not organisations.exists():
        raise Http404
    form = FeedbackForm(
        request.POST or None, organisations=organisations, sites=sites_visible(request.user)
    )
    if request.method == "POST" and form.is_valid():
        created = _written(
            form,
            lambda: services.feedback_receive(actor=request.user, **form.receive_fields()),
        )
        if created is not None:
            if created.sensitive:
                request.session[RECORDED] = created.reference
                return redirect("feedback:recorded")
            messages.success(
                request,
                _("Recorded as %(reference)s. Give the person this reference.")
                % {"reference": created.reference},
            )
            return redirect("feedback:item", created.uid)
    return render(request, "feedback/new.html", {"form": form, "handles": True})


@login_required
@require_safe
@personal_data
def recorded(request: AuthenticatedHttpRequest) -> HttpResponse:
    """After a sensitive item: its reference for the person, and that it went to the focal
    points. Nothing else of it, and only in the session that recorded it."""
    reference = request.session.get(RECORDED)
    if not reference or not access.organisations_recording(request.user).exists():
        raise Http404
    return render(request, "feedback/recorded.html", {"reference": reference})


# --- an item ----------------------------------------------------------------------------------


def _assignees(item: Feedback) -> Any:
    """Who the item may go to: the concerned organisation's feedback officers, or, for a
    sensitive item, its focal points for the category."""
    if item.sensitive:
        named = FocalPoint.objects.filter(
            organisation_id=item.concerned_id, category=item.category
        ).values("user_id")
        return User.objects.filter(pk__in=named).order_by("username")
    return User.objects.filter(
        memberships__organisation_id=item.concerned_id,
        memberships__role=Role.FEEDBACK_OFFICER,
        is_active=True,
    ).order_by("username")


def _step_form(name: str, item: Feedback, data: Any = None) -> forms.Form:
    if name == "assign":
        return AssignForm(data, assignees=_assignees(item))
    if name == "refer":
        return ReferForm(
            data,
            organisations=Organisation.objects.exclude(pk=item.concerned_id).order_by("acronym"),
        )
    kinds: dict[str, type[forms.Form]] = {
        "start": forms.Form,
        "resolve": ResolveForm,
        "tell": TellForm,
        "close": forms.Form,
        "close_no_contact": NoContactForm,
        "link": LinkForm,
        "note": NoteForm,
    }
    return kinds[name](data)


def _item_page(
    request: AuthenticatedHttpRequest,
    item: Feedback,
    bound: tuple[str, forms.Form] | None = None,
    reclassify: ReclassifyForm | None = None,
) -> HttpResponse:
    handles = access.can_handle_feedback(request.user, item)
    steps: list[tuple[str, forms.Form]] = []
    if handles:
        for name in STEPS_BY_STATUS.get(item.status, ()):
            form = bound[1] if bound and bound[0] == name else _step_form(name, item)
            steps.append((name, form))
    # Audited where they are read (the selectors).
    detail = selectors.feedback_detail(user=request.user, feedback=item)
    return render(
        request,
        "feedback/item.html",
        {
            "item": detail,
            "contact": selectors.feedback_contact(user=request.user, feedback=item),
            "history": selectors.feedback_history(user=request.user, feedback=item),
            "linked": selectors.linked_items(user=request.user, feedback=item),
            "person": [
                codelists.label(kind, code)
                for kind, code in (
                    ("sexes", item.person_sex),
                    ("age_groups", item.person_age_group),
                    ("population_groups", item.population_group),
                )
                if code
            ],
            "steps": steps,
            # Whoever reads an ordinary item may mark it sensitive; a sensitive one's readers
            # are its focal points.
            "reclassify": reclassify
            or ReclassifyForm(current=item.category, sensitive=item.sensitive),
            "handles": handles_any(request.user),
        },
        status=400 if bound or reclassify else 200,
    )


@login_required
@require_safe
@personal_data
def item(request: AuthenticatedHttpRequest, feedback_uid: uuid.UUID) -> HttpResponse:
    """An item: what the person said, where and how; their contact where the rule lets it be
    read; the answer and whether they were told; the history; the next steps for who handles
    it."""
    found = access.access_feedback_by_uid(request.user, feedback_uid)
    return _item_page(request, found)


def _do(request: AuthenticatedHttpRequest, name: str, item: Feedback, form: forms.Form) -> Any:
    """Take one step with the form's data (valid); the service's answer."""
    actor = request.user
    data = form.cleaned_data
    if name == "assign":
        return services.feedback_assign(actor=actor, feedback=item, assignee=data["assignee"])
    if name == "refer":
        return services.feedback_refer(
            actor=actor, feedback=item, organisation=data["organisation"], note=data["note"]
        )
    if name == "start":
        return services.feedback_start(actor=actor, feedback=item)
    if name == "resolve":
        return services.feedback_resolve(actor=actor, feedback=item, answer=data["answer"])
    if name == "tell":
        told_on = data["told_on"]
        # A day given: told at noon of it in Iraq's time, or now when told today.
        told_at = None
        if told_on and told_on != timezone.localdate():
            told_at = timezone.make_aware(datetime.datetime.combine(told_on, datetime.time(12)))
        return services.feedback_tell(
            actor=actor,
            feedback=item,
            how=data["how"],
            satisfaction=data["satisfaction"],
            told_at=told_at,
        )
    if name == "close":
        return services.feedback_close(actor=actor, feedback=item)
    if name == "close_no_contact":
        return services.feedback_close_without_contact(
            actor=actor, feedback=item, reason=data["reason"]
        )
    if name == "link":
        assert isinstance(form, LinkForm)
        references = form.references_given()
        others = list(
            access.feedback_handled_by(actor).filter(reference__in=references).exclude(pk=item.pk)
        )
        missing = sorted(set(references) - {other.reference for other in others})
        if missing:
            raise ValidationError(
                {
                    "references": _("No item you handle has the reference %(references)s.")
                    % {"references": ", ".join(missing)}
                }
            )
        return services.feedback_link(actor=actor, main=item, others=others)
    return services.feedback_note(actor=actor, feedback=item, note=data["note"])


def _said(name: str) -> str:
    said = {
        "assign": _("The item was assigned."),
        "refer": _("The item was referred."),
        "start": _("Work on the item has started."),
        "resolve": _("The answer was saved. Now tell the person."),
        "tell": _("Recorded that the person was told."),
        "close": _("The item was closed."),
        "close_no_contact": _("The item was closed without contact."),
        "link": _("The items were linked: they close together."),
        "note": _("The note was added."),
    }
    return said[name]


@login_required
@require_POST
@personal_data
def step(request: AuthenticatedHttpRequest, feedback_uid: uuid.UUID) -> HttpResponse:
    """One step of an item's handling (``step`` names it), by who handles the item."""
    found = access.access_feedback_by_uid(request.user, feedback_uid)
    if not access.can_handle_feedback(request.user, found):
        raise Http404
    chosen = StepForm(request.POST)
    if not chosen.is_valid():
        messages.error(request, _("Choose a step to take."))
        return redirect("feedback:item", found.uid)
    name = chosen.cleaned_data["step"]
    form = _step_form(name, found, request.POST)
    if not form.is_valid() or _written(form, lambda: _do(request, name, found, form)) is None:
        found.refresh_from_db()
        return _item_page(request, found, bound=(name, form))
    messages.success(request, _said(name))
    if not access.can_read_feedback(request.user, found):
        # Referred away (a sensitive item to another organisation's focal points): no longer
        # the user's to read.
        return redirect("feedback:queue")
    return redirect("feedback:item", found.uid)


@login_required
@require_POST
@personal_data
def reclassify(request: AuthenticatedHttpRequest, feedback_uid: uuid.UUID) -> HttpResponse:
    """Change an item's category, by whoever reads it (``services.feedback_reclassify`` says
    what each may do). Marked sensitive, the item leaves the officer's sight for the focal
    points'."""
    found = access.access_feedback_by_uid(request.user, feedback_uid)
    form = ReclassifyForm(request.POST, current=found.category, sensitive=found.sensitive)
    done = form.is_valid() and _written(
        form,
        lambda: services.feedback_reclassify(
            actor=request.user,
            feedback=found,
            category=form.cleaned_data["category"],
            reason=form.cleaned_data.get("reason", ""),
        ),
    )
    if not done:
        found.refresh_from_db()
        return _item_page(request, found, reclassify=form)
    if not access.can_read_feedback(request.user, found):
        messages.success(request, _("The item is sensitive now: it went to the focal points."))
        return redirect("feedback:queue")
    messages.success(request, _("The category was changed."))
    return redirect("feedback:item", found.uid)


@login_required
@require_POST
def pdm_take(request: AuthenticatedHttpRequest, programme_uid: uuid.UUID) -> HttpResponse:
    """Take over the complaints the programme's post-distribution monitoring raised: each
    becomes an item of the queue (a sensitive one goes to the focal points)."""
    programme = access.access_programme_for_pdm(request.user, programme_uid)
    taken = services.pdm_complaints_take(actor=request.user, programme=programme)
    messages.success(
        request,
        ngettext(
            "%(count)s complaint from post-distribution monitoring was taken over.",
            "%(count)s complaints from post-distribution monitoring were taken over.",
            len(taken),
        )
        % {"count": len(taken)},
    )
    return redirect("feedback:queue")


# --- trends and the export --------------------------------------------------------------------


def _trends_organisation(request: AuthenticatedHttpRequest) -> Organisation:
    """The organisation whose trends are asked for (``?organisation=``), among those the user
    reads them for; the first of them by default."""
    readable = access.organisations_reading_trends(request.user).order_by("acronym")
    wanted = request.GET.get("organisation")
    if wanted:
        try:
            found = readable.filter(pk=uuid.UUID(wanted)).first()
        except ValueError:
            found = None
    else:
        found = readable.first()
    if found is None:
        raise Http404
    return found


@login_required
@require_safe
def trends(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An organisation's feedback by site, category, channel, topic and month; the share
    answered and closed within the deadline; the issues each site raises most. Sensitive
    items are in none of it."""
    organisation = _trends_organisation(request)
    figures = selectors.trends(user=request.user, organisation=organisation)
    lines = exports.breakdowns(figures)
    titles = {
        "month": _("By month"),
        "site": _("By site"),
        "category": _("By category"),
        "channel": _("By channel"),
        "topic": _("By topic"),
        "organisation": _("By organisation"),
    }
    response = render(
        request,
        "feedback/trends.html",
        {
            "organisation": organisation,
            "total": exports.Line("all", "", figures.total),
            "tables": [(name, title, lines[name]) for name, title in titles.items()],
            "issues": exports.top_issues(figures),
            "organisations": access.organisations_reading_trends(request.user).order_by("acronym"),
            "figures": figures,
            "handles": handles_any(request.user),
            "waiting": selectors.sensitive_waiting(user=request.user, organisation=organisation)
            if access.names_focal_points(request.user, organisation)
            else 0,
            "administers": access.names_focal_points(request.user, organisation),
        },
    )
    return per_reader(response, exact=True)


@login_required
@require_safe
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's feedback as anonymised CSV with an HXL row: month, site, place,
    category, channel, topic, status, in time or not. No description, contact or reference
    (audited where it is made)."""
    organisation = _trends_organisation(request)
    rows = selectors.export_rows(user=request.user, organisation=organisation)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(exports.HEADERS)
    writer.writerow(exports.HXL)
    for row in rows:
        writer.writerow([row.get(key, "") for key in exports.COLUMNS])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"feedback-{organisation.acronym or organisation.pk}.csv".lower()
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return no_store(response)


# --- focal points -----------------------------------------------------------------------------


def _administered(user: Any) -> Any:
    return Organisation.objects.filter(
        memberships__user_id=user.pk, memberships__role=Role.ORG_ADMIN
    ).order_by("acronym")


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def focal_points(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An organisation admin's page: who is named focal point for each sensitive category, a
    member named or removed; a warning when sensitive items wait with no focal point."""
    administered = _administered(request.user)
    wanted = request.GET.get("organisation") or request.POST.get("organisation")
    organisation = administered.first()
    if wanted:
        try:
            organisation = administered.filter(pk=uuid.UUID(wanted)).first()
        except ValueError:
            organisation = None
    if organisation is None:
        raise Http404
    members = (
        User.objects.filter(memberships__organisation=organisation, is_active=True)
        .distinct()
        .order_by("username")
    )
    form = FocalPointForm(members=members)
    if request.method == "POST":
        remove = request.POST.get("remove")
        if remove:
            removed = (
                FocalPoint.objects.filter(organisation=organisation, pk=int(remove)).first()
                if remove.isdigit()
                else None
            )
            if removed is None:
                raise Http404
            services.focal_point_remove(actor=request.user, focal_point=removed)
            messages.success(request, _("The focal point was removed."))
            return redirect(f"{request.path}?organisation={organisation.pk}")
        form = FocalPointForm(request.POST, members=members)
        if form.is_valid():
            done = _written(
                form,
                lambda: services.focal_point_name(
                    actor=request.user,
                    organisation=organisation,
                    user=form.cleaned_data["user"],
                    categories=form.cleaned_data["categories"],
                ),
            )
            if done is not None:
                messages.success(request, _("The focal point was named."))
                return redirect(f"{request.path}?organisation={organisation.pk}")
    named = FocalPoint.objects.filter(organisation=organisation).select_related("user")
    by_category = [
        (code, label, [n for n in named if n.category == code])
        for code, label in form.category_choices()
    ]
    return render(
        request,
        "feedback/focal_points.html",
        {
            "organisation": organisation,
            "organisations": administered,
            "by_category": by_category,
            "form": form,
            "waiting": selectors.sensitive_waiting(user=request.user, organisation=organisation),
            "unnamed": [label for _code, label, named in by_category if not named],
            "handles": handles_any(request.user),
        },
    )
