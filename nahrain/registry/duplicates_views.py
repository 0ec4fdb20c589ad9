"""Pages of the review queue of possible duplicates: the queue of an organisation's open pairs,
and a pair's two records side by side with the decision. Personal data in every answer (never
cached); every record shown is audited as a read of its household."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from nahrain.core.http import AuthenticatedHttpRequest, personal_data
from nahrain.registry import access, selectors, services
from nahrain.registry import duplicates_selectors as duplicates
from nahrain.registry.forms import problem_words
from nahrain.registry.models import DuplicateStatus
from nahrain.registry.services import RegistryRuleBroken
from nahrain.registry.views import GET_OR_POST, _chooser, _organisation

PAIRS_PER_PAGE = 50


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (DuplicateStatus.SAME, gettext_lazy("The same person")),
            (DuplicateStatus.DIFFERENT, gettext_lazy("Different people")),
            (DuplicateStatus.UNSURE, gettext_lazy("Unsure")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (required for same and different)"),
        max_length=300,
        required=False,
    )


@login_required
@require_safe
@personal_data
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's pairs to review, strongest first; filtered by the site its record's
    household lives in and by status. What was shown is audited (how many)."""
    organisations = selectors.registry_organisations(user=request.user)
    organisation = _organisation(request, organisations)
    if organisation is None:
        return _chooser(request, organisations, _("Possible duplicates"))
    status = request.GET.get("status", DuplicateStatus.OPEN)
    if status not in DuplicateStatus.values:
        status = ""
    sites = selectors.registry_sites(user=request.user, organisation=organisation)
    site_uid = _uuid_or_none(request.GET.get("site"))
    site = sites.filter(uid=site_uid).first() if site_uid is not None else None
    pairs = duplicates.duplicate_queue(
        user=request.user, organisation=organisation, status=status or None, site=site
    )
    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    services.search_made(
        actor=request.user,
        organisation_ids=[organisation.pk],
        results=len(page.object_list),
        via="duplicates-page",
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/duplicates.html",
        {
            "organisation": organisation,
            "several": organisations.count() > 1,
            "page": page,
            "rows": duplicates.queue_rows(page.object_list, organisation),
            "status": status,
            "statuses": DuplicateStatus.choices,
            "sites": sites,
            "site": site,
            "query": query.urlencode(),
        },
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    """The site a filter names (None: no filter, or not an id)."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def pair(request: AuthenticatedHttpRequest, pair_id: int) -> HttpResponse:
    """A pair's two records side by side, what the matcher found field by field, its decisions;
    sending the form records the reader's organisation's decision."""
    found = access.access_duplicate_by_id(request.user, pair_id)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.duplicate_decide(
                actor=request.user,
                pair=found,
                organisation=duplicates.reader_organisation(request.user, found),
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except RegistryRuleBroken as broken:
            for problem in broken.problems:
                field = problem.field if problem.field in form.fields else None
                form.add_error(field, problem_words(problem))
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("registry:duplicate", pair_id=found.pk)
    found.refresh_from_db(fields=["status"])
    view = duplicates.pair_view(user=request.user, pair=found)
    duplicates.pair_read(user=request.user, view=view, via="duplicate-page")
    return render(request, "registry/duplicate.html", {"view": view, "form": form})
