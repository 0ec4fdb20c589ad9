"""Pages of assistance: programmes and their rules, distribution lists from building to
approval, distributions (the printable list, the desk's recording page, the reconciliation),
cash payment batches, post-distribution monitoring and reach. Thin, over ``access``, the
selectors and the services. Lists, receipts, payments and samples are personal data of the
programme's organisation: their pages are kept by no cache and every read is audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nahrain.assistance import (
    access,
    distributions,
    exclusions,
    monitoring,
    payments,
    selectors,
    services,
    sheets,
)
from nahrain.assistance import reach as reach_figures
from nahrain.assistance.forms import (
    CloseForm,
    DistributionForm,
    ListDecisionForm,
    PaymentsForm,
    ProgrammeForm,
    ProgrammeStatusForm,
    RecordForm,
    RulesForm,
    SampleForm,
    TokenForm,
)
from nahrain.assistance.models import (
    DistributionList,
    DistributionStatus,
    ListEntry,
    ListStatus,
    MonitoringSample,
    PaymentBatch,
    PaymentStatus,
    Programme,
    Receipt,
)
from nahrain.core.forms import refusal_onto
from nahrain.core.http import AuthenticatedHttpRequest, no_store, per_reader, personal_data
from nahrain.core.services import audit_record
from nahrain.sites.access import sites_visible

GET_OR_POST = ["GET", "HEAD", "POST"]
PER_PAGE = 50


def _read(
    request: AuthenticatedHttpRequest, what: str, found: Any, programme: Programme, **detail: Any
) -> None:
    """Audit a read of personal records: which object, how many shown, never a value."""
    audit_record(
        actor=request.user,
        action=f"assistance.{what}_read",
        object_type=f"assistance.{what}",
        object_id=found.uid,
        organisation=programme.organisation,
        detail=detail,
    )


def _written(form: Any, write: Any) -> Any:
    """The service's answer, or None with its refusal put on the form."""
    try:
        return write()
    except ValidationError as error:
        refusal_onto(form, error)
        return None


# --- programmes -------------------------------------------------------------------------------


@login_required
@require_safe
def programme_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The programmes the user's organisations run."""
    found = access.programmes_readable(request.user).select_related("organisation")
    return render(
        request,
        "assistance/programme_list.html",
        {
            "programmes": found,
            "can_create": access.organisations_writing_programmes(request.user).exists(),
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def programme_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = access.organisations_writing_programmes(request.user).order_by("acronym")
    if not organisations.exists():
        raise Http404
    form = ProgrammeForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        created = _written(
            form,
            lambda: services.programme_create(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                **form.programme_fields(),
            ),
        )
        if created is not None:
            messages.success(request, _("The programme was added. Now write its rules."))
            return redirect("assistance:rules", created.uid)
    return render(request, "assistance/programme_form.html", {"form": form, "programme": None})


@login_required
@require_safe
def programme(request: AuthenticatedHttpRequest, programme_uid: uuid.UUID) -> HttpResponse:
    """A programme: what it gives, to whom and when, its current rules; for its assistance
    officers, its lists, distributions and payment batches too."""
    found = access.access_programme_by_uid(request.user, programme_uid)
    officer = access.runs_assistance(request.user, found.organisation)
    rules = found.rules.first()
    context: dict[str, Any] = {
        "programme": found,
        "rules": rules,
        "officer": officer,
        "writer": access.writes_programmes(request.user, found.organisation),
        "status_form": ProgrammeStatusForm(),
    }
    if officer:
        context["lists"] = found.lists.select_related("built_by", "approved_by")
        context["distributions"] = found.distributions.select_related("site")
        context["batches"] = PaymentBatch.objects.filter(programme=found)
        # Audited where they are read (monitoring.complaints_pending).
        context["complaints"] = monitoring.complaints_pending(user=request.user, programme=found)
    response = render(request, "assistance/programme.html", context)
    return no_store(response) if officer else response


@login_required
@require_http_methods(GET_OR_POST)
def programme_edit(request: AuthenticatedHttpRequest, programme_uid: uuid.UUID) -> HttpResponse:
    found = access.access_programme_by_uid(request.user, programme_uid, write=True)
    form = ProgrammeForm(
        request.POST or None, editing=True, initial=ProgrammeForm.initial_for(found)
    )
    if request.method == "POST" and form.is_valid():
        updated = _written(
            form,
            lambda: services.programme_update(
                actor=request.user, programme=found, **form.programme_fields()
            ),
        )
        if updated is not None:
            messages.success(request, _("The programme was saved."))
            return redirect("assistance:programme", found.uid)
    return render(request, "assistance/programme_form.html", {"form": form, "programme": found})


@login_required
@require_POST
def programme_status(request: AuthenticatedHttpRequest, programme_uid: uuid.UUID) -> HttpResponse:
    found = access.access_programme_by_uid(request.user, programme_uid, write=True)
    form = ProgrammeStatusForm(request.POST)
    if form.is_valid():
        step = (
            services.programme_activate
            if form.cleaned_data["to"] == "active"
            else services.programme_close
        )
        try:
            step(actor=request.user, programme=found)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
    return redirect("assistance:programme", found.uid)


@login_required
@require_http_methods(GET_OR_POST)
def rules_edit(request: AuthenticatedHttpRequest, programme_uid: uuid.UUID) -> HttpResponse:
    """The rules editor: the current version in the form; saving writes a new version. Every
    version is listed with its source."""
    found = access.access_programme_by_uid(request.user, programme_uid, write=True)
    versions = found.rules.select_related("created_by")
    current = versions.first()
    initial = RulesForm.initial_for(current.document, current.source) if current else {}
    form = RulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        written = _written(
            form,
            lambda: services.rules_set(
                actor=request.user,
                programme=found,
                document=form.document(currency=found.currency),
                source=form.cleaned_data["source"],
            ),
        )
        if written is not None:
            messages.success(
                request,
                _("Version %(version)s of the rules was saved.") % {"version": written.version},
            )
            return redirect("assistance:programme", found.uid)
    return render(
        request,
        "assistance/rules_form.html",
        {
            "programme": found,
            "form": form,
            "versions": versions,
        },
    )


# --- lists ------------------------------------------------------------------------------------


@login_required
@require_POST
@personal_data
def list_build(request: AuthenticatedHttpRequest, programme_uid: uuid.UUID) -> HttpResponse:
    """Build a new version of the list from the registry by the current rules (and check it)."""
    found = access.access_programme_for_lists(request.user, programme_uid)
    try:
        built = services.list_build(actor=request.user, programme=found)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("assistance:programme", found.uid)
    return redirect("assistance:list", built.uid)


@login_required
@require_safe
@personal_data
def list_page(request: AuthenticatedHttpRequest, list_uid: uuid.UUID) -> HttpResponse:
    """A version of a list: who built and approved it, the check's result with every exclusion
    in words the hotline can read out, the households included; the other versions."""
    found = access.access_list_by_uid(request.user, list_uid)
    shown = "included" if request.GET.get("show") == "included" else "excluded"
    summary = selectors.summary(request.user, found)
    total = summary.households if shown == "included" else summary.excluded
    page = Paginator(range(total), PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.entries(
        request.user,
        found,
        included=shown == "included",
        language=get_language(),
        offset=page.start_index() - 1 if total else 0,
        limit=PER_PAGE,
    )
    _read(request, "list", found, found.programme, entries=len(rows))
    return render(
        request,
        "assistance/list.html",
        {
            "list": found,
            "programme": found.programme,
            "summary": summary,
            "by_rule": [(exclusions.rule_label(code), n) for code, n in summary.by_rule.items()],
            "rows": rows,
            "page": page,
            "shown": shown,
            "versions": selectors.lists(request.user, found.programme),
            "may_approve": found.status == ListStatus.CHECKED
            and found.built_by_id != request.user.pk,
            "own_build": found.built_by_id == request.user.pk,
        },
    )


@login_required
@require_POST
@personal_data
def list_decide(request: AuthenticatedHttpRequest, list_uid: uuid.UUID) -> HttpResponse:
    """Check a list again, approve it (a second officer), discard it or revise an approved one."""
    found = access.access_list_by_uid(request.user, list_uid)
    form = ListDecisionForm(request.POST)
    if not form.is_valid():
        return redirect("assistance:list", found.uid)
    steps: dict[str, Callable[..., DistributionList]] = {
        "check": services.list_check,
        "approve": services.list_approve,
        "discard": services.list_discard,
        "revise": services.list_revise,
    }
    step = steps[form.cleaned_data["decision"]]
    try:
        result = step(actor=request.user, distribution_list=found)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("assistance:list", found.uid)
    except PermissionDenied:
        # The gate let an officer in: what is refused is the builder approving their own list.
        messages.error(
            request,
            _("You built this list: another assistance officer of your organisation approves it."),
        )
        return redirect("assistance:list", found.uid)
    said = {
        "check": _("The list was checked."),
        "approve": _("The list was approved. It can no longer change."),
        "discard": _("The list was discarded."),
        "revise": _("A new version of the list was made and checked."),
    }
    messages.success(request, said[form.cleaned_data["decision"]])
    return redirect("assistance:list", result.uid)


# --- distributions ----------------------------------------------------------------------------


def _approved_lists(programme: Programme) -> QuerySet[DistributionList]:
    return programme.lists.filter(status=ListStatus.APPROVED)


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def distribution_new(request: AuthenticatedHttpRequest, programme_uid: uuid.UUID) -> HttpResponse:
    found = access.access_programme_for_lists(request.user, programme_uid)
    form = DistributionForm(
        request.POST or None,
        lists=_approved_lists(found),
        sites=sites_visible(request.user),
        cycles=found.cycles,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = _written(
            form,
            lambda: distributions.distribution_create(
                actor=request.user,
                programme=found,
                distribution_list=data["distribution_list"],
                cycle=data["cycle"],
                planned_on=data["planned_on"],
                site=data["site"],
                place=data["place"],
                team=data["team"],
                stock=form.stock(),
            ),
        )
        if created is not None:
            messages.success(request, _("The distribution was planned."))
            return redirect("assistance:distribution", created.uid)
    return render(request, "assistance/distribution_form.html", {"form": form, "programme": found})


@login_required
@require_safe
@personal_data
def distribution(request: AuthenticatedHttpRequest, distribution_uid: uuid.UUID) -> HttpResponse:
    """A distribution: where, when, which list; the reconciliation of what was planned,
    handed out and left over; its monitoring samples."""
    found = access.access_distribution_by_uid(request.user, distribution_uid)
    _read(request, "distribution", found, found.programme)
    return render(
        request,
        "assistance/distribution.html",
        {
            "distribution": found,
            "programme": found.programme,
            "reconciliation": distributions.reconciliation(found),
            "samples": found.samples.all(),
            "close_form": CloseForm(),
            "sample_form": SampleForm(),
        },
    )


@login_required
@require_safe
@personal_data
def distribution_sheet(
    request: AuthenticatedHttpRequest, distribution_uid: uuid.UUID
) -> HttpResponse:
    """The printable list: every household with its token and QR code, a line to sign; a page
    of ``sheets.PAGE_ROWS`` households at a time (``?page=``), each printed on its own."""
    found = access.access_distribution_by_uid(request.user, distribution_uid)
    page = request.GET.get("page", "1")
    # Audited where it is read (sheets.distribution_sheet).
    sheet = sheets.distribution_sheet(
        user=request.user, distribution=found, page=int(page) if page.isdigit() else 1
    )
    return render(
        request,
        "assistance/distribution_sheet.html",
        {"distribution": found, "programme": found.programme, "sheet": sheet},
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def distribution_record(
    request: AuthenticatedHttpRequest, distribution_uid: uuid.UUID
) -> HttpResponse:
    """The desk's page: type the token on the household's card, see who it is and what it is
    entitled to, record what happened (received, by a named proxy, absent, refused)."""
    found = access.access_distribution_by_uid(request.user, distribution_uid)
    entry: ListEntry | None = None
    form: RecordForm | None = None
    if request.method == "POST":
        form = RecordForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            recorded = _written(
                form,
                lambda: distributions.receipt_record(
                    actor=request.user,
                    distribution=found,
                    token=data["token"],
                    outcome=data["outcome"],
                    key=data["key"],
                    recorded_at=data["at"],
                    proxy_name=data["proxy_name"],
                    proxy_relation=data["proxy_relation"],
                ),
            )
            if recorded is not None:
                messages.success(
                    request,
                    _("Recorded: %(outcome)s.") % {"outcome": recorded.get_outcome_display()},
                )
                return redirect("assistance:distribution_record", found.uid)
        entry = (
            found.list.entries.filter(token=services.token_normal(request.POST.get("token", "")))
            .select_related("household")
            .first()
        )
        if entry is not None:  # shown again with the refusal: a read like the lookup's
            _read(request, "distribution", found, found.programme, entries=1)
        lookup = TokenForm(initial={"token": request.POST.get("token", "")})
    else:
        lookup = TokenForm(request.GET or None)
        if lookup.is_bound and lookup.is_valid():
            token = services.token_normal(lookup.cleaned_data["token"])
            entry = found.list.entries.filter(token=token).select_related("household").first()
            if entry is None:
                lookup.add_error("token", _("No household on this list has that token."))
            else:
                form = RecordForm(initial={"token": entry.token})
                _read(request, "distribution", found, found.programme, entries=1)
    receipts = Receipt.objects.filter(distribution=found)
    served = receipts.filter(entry=entry, served=True).first() if entry else None
    return render(
        request,
        "assistance/distribution_record.html",
        {
            "distribution": found,
            "programme": found.programme,
            "lookup": lookup,
            "entry": entry,
            "served": served,
            "form": form,
            "recorded": receipts.count(),
            "open": found.status != DistributionStatus.CLOSED,
        },
    )


@login_required
@require_POST
@personal_data
def distribution_status(
    request: AuthenticatedHttpRequest, distribution_uid: uuid.UUID
) -> HttpResponse:
    """Open a planned distribution, or close it with what came back."""
    found = access.access_distribution_by_uid(request.user, distribution_uid)
    try:
        if found.status == DistributionStatus.PLANNED:
            distributions.distribution_open(actor=request.user, distribution=found)
        else:
            form = CloseForm(request.POST)
            returned = form.returned() if form.is_valid() else {}
            distributions.distribution_close(
                actor=request.user, distribution=found, returned=returned
            )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect("assistance:distribution", found.uid)


# --- cash -------------------------------------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def payments_new(request: AuthenticatedHttpRequest, programme_uid: uuid.UUID) -> HttpResponse:
    """Export a cycle of an approved list to a payment provider's file."""
    found = access.access_programme_for_lists(request.user, programme_uid)
    form = PaymentsForm(
        request.POST or None,
        lists=_approved_lists(found),
        providers=[(f["code"], payments.format_label(f)) for f in payments.payment_formats()],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        batch = _written(
            form,
            lambda: payments.payments_export(
                actor=request.user,
                programme=found,
                distribution_list=data["distribution_list"],
                cycle=data["cycle"],
                provider=data["provider"],
            ),
        )
        if batch is not None:
            messages.success(request, _("The payment list was made. Download it for the provider."))
            return redirect("assistance:payment_batch", batch.uid)
    return render(request, "assistance/payments_form.html", {"form": form, "programme": found})


@login_required
@require_safe
@personal_data
def payment_batch(request: AuthenticatedHttpRequest, batch_uid: uuid.UUID) -> HttpResponse:
    """A payment batch: how many paid, failed, returned or still with the provider; the
    provider's report comes back through the import pages."""
    batch = access.access_batch_by_uid(request.user, batch_uid)
    rows = batch.payments.select_related("entry__household")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    _read(request, "payment_batch", batch, batch.programme, entries=len(page.object_list))
    return render(
        request,
        "assistance/payment_batch.html",
        {
            "batch": batch,
            "programme": batch.programme,
            "provider": payments.format_label(payments.payment_format(batch.provider)),
            "page": page,
            "totals": [
                (PaymentStatus(row["status"]).label, row["count"])
                for row in batch.payments.values("status").annotate(count=Count("pk"))
            ],
        },
    )


@login_required
@require_safe
def payment_file(request: AuthenticatedHttpRequest, batch_uid: uuid.UUID) -> HttpResponse:
    """The batch in the provider's format: an export of personal data, audited."""
    batch = access.access_batch_by_uid(request.user, batch_uid)
    # Audited where it is written (payments.payments_file): names and phones leave here.
    made = payments.payments_file(actor=request.user, batch=batch)
    response = HttpResponse(made.data, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.name}"'
    return no_store(response)


# --- monitoring -------------------------------------------------------------------------------


@login_required
@require_POST
@personal_data
def sample_draw(request: AuthenticatedHttpRequest, distribution_uid: uuid.UUID) -> HttpResponse:
    found = access.access_distribution_by_uid(request.user, distribution_uid)
    form = SampleForm(request.POST)
    if not form.is_valid():
        return redirect("assistance:distribution", found.uid)
    try:
        drawn = monitoring.sample_draw(
            actor=request.user,
            distribution=found,
            confidence=float(form.cleaned_data["confidence"]),
            margin=float(form.cleaned_data["margin"]),
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("assistance:distribution", found.uid)
    return redirect("assistance:sample", drawn.uid)


@login_required
@require_safe
@personal_data
def sample(request: AuthenticatedHttpRequest, sample_uid: uuid.UUID) -> HttpResponse:
    """A monitoring sample: the households to visit (and the reserves), and the results by sex
    of the head and by site as the answers come in."""
    found: MonitoringSample = access.access_sample_by_uid(request.user, sample_uid)
    members = found.members.select_related("receipt__entry__household", "answer")
    # The results are audited where they are read (monitoring.results); the visit list here.
    _read(request, "sample", found, found.distribution.programme, entries=len(members))
    return render(
        request,
        "assistance/sample.html",
        {
            "sample": found,
            "distribution": found.distribution,
            "programme": found.distribution.programme,
            "members": members,
            "results": monitoring.results(user=request.user, sample=found),
        },
    )


# --- reach ------------------------------------------------------------------------------------


@login_required
@require_safe
def reach(request: AuthenticatedHttpRequest) -> HttpResponse:
    """People reached, counted once however many times served: exact for the organisation's
    own programmes, small cells hidden for everyone else's."""
    figures = reach_figures.reach_figures(user=request.user)
    response = render(
        request,
        "assistance/reach.html",
        {"figures": figures, "cells": reach_figures.cells()},
    )
    return per_reader(response, exact=any(row.exact for row in figures.rows))


@login_required
@require_safe
def reach_hxl(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The reach figures as HXL-tagged CSV for HDX and the cluster: small cells hidden, even for
    the organisation's own programmes, because the file leaves it (audited where it is made)."""
    response = HttpResponse(
        reach_figures.hxl_csv(user=request.user), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="assistance-reach-hxl.csv"'
    return per_reader(response, exact=False)
