"""Pages of the registry: what a registration officer and a camp manager use every day. Thin,
over the same services and selectors as the API; every answer carries personal data, so none is
kept by a cache (``personal_data``), and every household read is audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from nahrain.core.http import AuthenticatedHttpRequest, personal_data
from nahrain.core.models import Organisation
from nahrain.core.templatetags.nahrain_format import local_name
from nahrain.geo.models import AdminUnit
from nahrain.registry import access, duplicates_selectors, selectors, services
from nahrain.registry.forms import (
    ConsentForm,
    DepartForm,
    HouseholdEditForm,
    MemberAddForm,
    MemberDeathForm,
    MemberEditForm,
    MemberFormSet,
    MergeForm,
    MoveForm,
    RegisterForm,
    SplitForm,
    VisitForm,
    WithdrawForm,
    problem_words,
)
from nahrain.registry.models import (
    Household,
    HouseholdEvent,
    HouseholdStatus,
    Individual,
    MemberStatus,
)
from nahrain.registry.services import RegistryRuleBroken
from nahrain.sites.models import ShelterUnit, Site

GET_OR_POST = ["GET", "HEAD", "POST"]
HOUSEHOLDS_PER_PAGE = 50
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _organisation(
    request: AuthenticatedHttpRequest, organisations: QuerySet[Organisation]
) -> Organisation | None:
    """The organisation a page works in: the user's only one, or the one ``?organisation=``
    picks among several (None: the page shows the chooser). 404 for a user with none."""
    choices = list(organisations)
    if not choices:
        raise Http404
    if len(choices) == 1:
        return choices[0]
    picked = request.GET.get("organisation") or request.POST.get("organisation")
    for organisation in choices:
        if str(organisation.pk) == picked:
            return organisation
    return None


def _chooser(request: AuthenticatedHttpRequest, organisations: Any, title: str) -> HttpResponse:
    return render(
        request,
        "registry/choose_organisation.html",
        {"organisations": organisations, "title": title},
    )


def _admin_units() -> list[Any]:
    """The choices of a place field's list: governorates, districts and sub-districts."""
    return list(
        AdminUnit.objects.filter(level__gte=1)
        .order_by("pcode")
        .values("pcode", "name_en", "name_ar", "name_ckb")
    )


# --- home: the search and the list ------------------------------------------------------------


@login_required
@require_safe
@personal_data
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's households, newest first, or those a search finds (a name in either
    script, a phone, a document or registration number). What was shown is audited (how many,
    never the query)."""
    organisations = selectors.registry_organisations(user=request.user)
    organisation = _organisation(request, organisations)
    if organisation is None:
        return _chooser(request, organisations, _("Registry"))
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    if status not in HouseholdStatus.values:
        status = ""
    households: Any
    if q:
        # The search is its own selector (names in both scripts, phones, numbers), audited there;
        # the list shows what it found, in its order, as the list shows every household.
        found = selectors.household_search(
            user=request.user, q=q, limit=HOUSEHOLDS_PER_PAGE, via="page"
        )
        order = {h.uid: n for n, h in enumerate(found) if h.organisation_id == organisation.pk}
        listed = selectors.household_list(user=request.user, organisation=organisation)
        households = sorted(listed.filter(uid__in=list(order)), key=lambda h: order[h.uid])
        page = Paginator(households, HOUSEHOLDS_PER_PAGE).get_page(1)
    else:
        households = selectors.household_list(
            user=request.user, organisation=organisation, status=status or None
        )
        page = Paginator(households, HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
        services.search_made(
            actor=request.user,
            organisation_ids=[organisation.pk],
            results=len(page.object_list),
            via="page-list",
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/home.html",
        {
            "organisation": organisation,
            "several": organisations.count() > 1,
            "page": page,
            "q": q,
            "status": status,
            "statuses": HouseholdStatus.choices,
            "query": query.urlencode(),
            "sites": selectors.registry_sites(user=request.user, organisation=organisation),
            "can_export": access.exports_personal(request.user, organisation),
            "open_duplicates": duplicates_selectors.open_count(
                user=request.user, organisation=organisation
            ),
        },
    )


# --- registration ------------------------------------------------------------------------------


def _roster_changed(data: QueryDict) -> QueryDict | None:
    """The roster after its "add a member" or "remove" button (None: the form was sent to
    register). Works without JavaScript: the page comes back with one row more or less."""
    prefix = "member"
    total = int(data.get(f"{prefix}-TOTAL_FORMS") or 1)
    if "add_member" in data:
        data = data.copy()
        data[f"{prefix}-TOTAL_FORMS"] = str(min(total + 1, 50))
        return data
    removed = data.get("remove_member")
    if removed is None:
        return None
    data = data.copy()
    try:
        gone = int(removed)
    except ValueError:
        return data
    if total <= 1 or not 0 <= gone < total:
        return data
    for index in range(gone, total):
        for key in [k for k in data if k.startswith(f"{prefix}-{index}-")]:
            del data[key]
        following = f"{prefix}-{index + 1}-"
        for key in [k for k in data if k.startswith(following)]:
            data.setlist(f"{prefix}-{index}-{key[len(following) :]}", data.getlist(key))
    data[f"{prefix}-TOTAL_FORMS"] = str(total - 1)
    return data


def _member_field(name: str) -> str:
    """The roster's field a rule's field names."""
    return {"first_name": "first_ar", "documents": "doc_national_card"}.get(name, name)


def _problems_shown(form: Any, formset: Any, error: RegistryRuleBroken) -> None:
    """Put a registration's problems beside the member and field they are about."""
    for problem in error.problems:
        words = problem_words(problem)
        if problem.field.startswith("member "):
            position, _colon, name = problem.field.removeprefix("member ").partition(": ")
            member = formset.forms[int(position) - 1]
            name = _member_field(name)
            member.add_error(name if name in member.fields else None, words)
        elif problem.field in form.fields:
            form.add_error(problem.field, words)
        else:
            form.add_error(None, words)


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def register(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Register a household in one step: at a site (``?site=``, in one of its free shelter units)
    or out of camp, with its members, their documents and its consent."""
    organisations = selectors.registry_organisations(user=request.user)
    site: Site | None = None
    picked = request.GET.get("site")
    if picked:
        try:
            site_uid = uuid.UUID(picked)
        except ValueError:
            raise Http404 from None
        site = (
            Site.objects.filter(organisation__in=organisations, uid=site_uid)
            .select_related("organisation", "admin_unit")
            .first()
        )
        if site is None:
            raise Http404
        organisation: Organisation | None = site.organisation
    else:
        organisation = _organisation(request, organisations)
        if organisation is None:
            return _chooser(request, organisations, _("Register a household"))
    assert organisation is not None
    units = (
        selectors.free_units(user=request.user, site=site)
        if site is not None
        else ShelterUnit.objects.none()
    )
    data = request.POST if request.method == "POST" else None
    changed = _roster_changed(request.POST) if data is not None else None
    if data is not None and changed is None and data.get("key"):
        # Sent again (a double click, a resend after a lost answer): its unit is no longer
        # free, so the form would refuse what is already registered.
        sent = (
            access.households_readable(request.user)
            .filter(organisation=organisation, key=data["key"])
            .first()
        )
        if sent is not None:
            messages.info(request, _("This form was already sent; it is recorded once."))
            return redirect("registry:household", household_uid=sent.uid)
    form = RegisterForm(changed or data, site=site, units=units)
    formset = MemberFormSet(changed or data, prefix="member")
    if data is not None and changed is None and form.is_valid() & formset.is_valid():
        found = form.cleaned_data
        try:
            household = services.household_register(
                actor=request.user,
                organisation=organisation,
                registered_on=found["registered_on"],
                members=[member.member_in() for member in formset.forms],
                site=site,
                unit=found.get("unit"),
                admin_unit=found.get("admin_unit"),
                address=found.get("address", ""),
                origin=found["origin"],
                origin_place=found["origin_place"],
                displaced_on=found["displaced_on"],
                phone=found["phone"],
                vulnerabilities=found["vulnerabilities"],
                consents=found["consents"],
                key=found["key"],
            )
        except RegistryRuleBroken as refused:
            _problems_shown(form, formset, refused)
        else:
            messages.success(
                request,
                _("The household is registered under number %(number)s.")
                % {"number": household.number},
            )
            return redirect("registry:household", household_uid=household.uid)
    return render(
        request,
        "registry/register.html",
        {
            "organisation": organisation,
            "site": site,
            "sites": selectors.registry_sites(user=request.user, organisation=organisation),
            "form": form,
            "formset": formset,
            "show_errors": changed is None,
            "admin_units": _admin_units() if site is None else [],
        },
    )


# --- a household's page ------------------------------------------------------------------------


@login_required
@require_safe
@personal_data
def household(request: AuthenticatedHttpRequest, household_uid: uuid.UUID) -> HttpResponse:
    """A household: where it lives and lived, its members, vulnerabilities, consents, visits and
    history. Reading it is audited."""
    found = access.access_household_by_uid(request.user, household_uid)
    profile = selectors.household_profile(user=request.user, household=found)
    services.household_read(actor=request.user, household=found, via="page")
    return render(
        request,
        "registry/household.html",
        {
            "profile": profile,
            "household": found,
            "active": found.status == HouseholdStatus.ACTIVE,
            "withdraw": WithdrawForm(),
            "today": timezone.localdate().isoformat(),
        },
    )


def _changed(
    request: AuthenticatedHttpRequest,
    household: Household,
    form: Any,
    write: Callable[[str], Any],
    title: str,
    done: str,
    *,
    again: Callable[[HouseholdEvent], None] | None = None,
    **extra: Any,
) -> HttpResponse:
    """A change made on a household's page: on a valid POST, make the write with the form's key
    and go back to the household's page; on a refusal, show the form with the problems in the
    reader's words. The form sent again is answered as the first time: the service finds its
    key and records nothing more; and where the form no longer holds (the members split off,
    the tent now taken), the change recorded under its key is answered (``again`` repeats what
    the first answer told of it)."""
    if request.method != "POST":
        # The form shows the household's details (its members' names): a read like its page.
        services.household_read(actor=request.user, household=household, via="form")
    elif form.is_valid():
        try:
            write(form.cleaned_data["key"])
        except RegistryRuleBroken as refused:
            for problem in refused.problems:
                name = problem.field.rpartition(": ")[2]
                form.add_error(name if name in form.fields else None, problem_words(problem))
        else:
            messages.success(request, done)
            return redirect("registry:household", household_uid=household.uid)
    else:
        sent = selectors.change_sent(
            user=request.user, household=household, key=request.POST.get("key", "")
        )
        if sent is not None:
            if again is not None:
                again(sent)
            messages.success(request, done)
            return redirect("registry:household", household_uid=household.uid)
    return render(
        request,
        "registry/change.html",
        {"household": household, "form": form, "title": title, **extra},
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def household_edit(request: AuthenticatedHttpRequest, household_uid: uuid.UUID) -> HttpResponse:
    """The household's phone, address, origin, displacement date and recorded vulnerabilities."""
    found = access.access_household_by_uid(request.user, household_uid)
    initial = {
        "phone": found.phone,
        "address": found.address,
        "origin": found.origin.pcode if found.origin else "",
        "origin_place": found.origin_place,
        "displaced_on": found.displaced_on,
        "vulnerabilities_recorded": found.vulnerabilities_recorded,
    }
    form = HouseholdEditForm(request.POST or None, initial=initial)

    def write(key: str) -> Any:
        changes = {n: v for n, v in form.cleaned_data.items() if n != "key"}
        return services.household_update(
            actor=request.user, household=found, on=timezone.localdate(), key=key, **changes
        )

    return _changed(
        request,
        found,
        form,
        write,
        _("Change the household's details"),
        _("The household's details are saved."),
        admin_units=_admin_units(),
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def member_add(request: AuthenticatedHttpRequest, household_uid: uuid.UUID) -> HttpResponse:
    """A child born into the household, or a person joining it."""
    found = access.access_household_by_uid(request.user, household_uid)
    form = MemberAddForm(request.POST or None)

    def write(key: str) -> Individual:
        member = form.member_in()
        birth = form.cleaned_data["birth"]
        if birth and member.born_on is None:
            member.born_on, member.age = form.cleaned_data["on"], None
        return services.member_add(
            actor=request.user,
            household=found,
            member=member,
            on=form.cleaned_data["on"],
            birth=birth,
            key=key,
        )

    return _changed(
        request,
        found,
        form,
        write,
        _("Add a member"),
        _("The member is added to the household."),
        member_form=True,
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def member_edit(request: AuthenticatedHttpRequest, individual_uid: uuid.UUID) -> HttpResponse:
    """A member's details corrected (the values before and after kept in the history)."""
    individual = access.access_individual_by_uid(request.user, individual_uid)
    found = access.access_household_by_uid(request.user, individual.household.uid)
    form = MemberEditForm(request.POST or None, individual=individual)

    def write(key: str) -> Individual:
        return services.member_update(
            actor=request.user,
            individual=individual,
            on=timezone.localdate(),
            key=key,
            **form.changes(),
        )

    return _changed(
        request,
        found,
        form,
        write,
        _("Correct a member's details"),
        _("The member's details are saved."),
        individual=individual,
        member_form=True,
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def member_death(request: AuthenticatedHttpRequest, individual_uid: uuid.UUID) -> HttpResponse:
    """A member's death; the last one closes the household."""
    individual = access.access_individual_by_uid(request.user, individual_uid)
    found = access.access_household_by_uid(request.user, individual.household.uid)
    form = MemberDeathForm(request.POST or None)

    def write(key: str) -> Individual:
        return services.member_death(
            actor=request.user, individual=individual, on=form.cleaned_data["on"], key=key
        )

    return _changed(
        request,
        found,
        form,
        write,
        _("Record a death"),
        _("The death is recorded."),
        individual=individual,
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def depart(request: AuthenticatedHttpRequest, household_uid: uuid.UUID) -> HttpResponse:
    """The household returned to its area of origin or left elsewhere (at a site, the site's
    departure)."""
    found = access.access_household_by_uid(request.user, household_uid)
    form = DepartForm(request.POST or None)

    def write(key: str) -> Household:
        data = form.cleaned_data
        return services.household_depart(
            actor=request.user,
            household=found,
            on=data["on"],
            returned=data["returned"],
            destination=data["destination"],
            reason=data["reason"],
            key=key,
        )

    return _changed(
        request,
        found,
        form,
        write,
        _("Record a departure"),
        _("The departure is recorded."),
        admin_units=_admin_units(),
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def move(request: AuthenticatedHttpRequest, household_uid: uuid.UUID) -> HttpResponse:
    """The household moves to another shelter, another site or out of camp."""
    found = access.access_household_by_uid(request.user, household_uid)
    form = MoveForm(
        request.POST or None,
        sites=selectors.registry_sites(user=request.user, organisation=found.organisation),
        units=selectors.free_units_of(user=request.user, organisation=found.organisation),
    )

    def write(key: str) -> Household:
        data = form.cleaned_data
        return services.household_move(
            actor=request.user,
            household=found,
            on=data["on"],
            site=data["site"],
            unit=data["unit"],
            admin_unit=data["admin_unit"] if data["site"] is None else None,
            address=data["address"],
            key=key,
        )

    return _changed(
        request,
        found,
        form,
        write,
        _("Record a move"),
        _("The move is recorded."),
        admin_units=_admin_units(),
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def split(request: AuthenticatedHttpRequest, household_uid: uuid.UUID) -> HttpResponse:
    """Some members form a household of their own, under a new registration number."""
    found = access.access_household_by_uid(request.user, household_uid)
    members = found.members.filter(status=MemberStatus.ACTIVE).order_by("pk")
    units = (
        selectors.free_units(user=request.user, site=found.site)
        if found.site is not None
        else ShelterUnit.objects.none()
    )
    form = SplitForm(request.POST or None, members=members, units=units)

    def told(number: str) -> None:
        messages.info(request, _("The new household's number is %(number)s.") % {"number": number})

    def write(key: str) -> Household:
        data = form.cleaned_data
        new = services.household_split(
            actor=request.user,
            household=found,
            members=list(data["members"]),
            head=data["head"],
            on=data["on"],
            unit=data["unit"],
            key=key,
        )
        told(new.number)
        return new

    return _changed(
        request,
        found,
        form,
        write,
        _("Split the household"),
        _("The split is recorded."),
        again=lambda first: told(first.changes["to"][1]) if "to" in first.changes else None,
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def merge(request: AuthenticatedHttpRequest, household_uid: uuid.UUID) -> HttpResponse:
    """The household joins another of the organisation, chosen by its registration number."""
    found = access.access_household_by_uid(request.user, household_uid)
    form = MergeForm(request.POST or None)
    into: list[Household] = []
    if request.method == "POST" and form.is_valid():
        try:
            into.append(
                selectors.household_by_number(
                    user=request.user,
                    organisation=found.organisation,
                    number=form.cleaned_data["number"],
                )
            )
        except Household.DoesNotExist:
            form.add_error("number", _("No household of your organisation has this number."))

    def write(key: str) -> Household:
        return services.household_merge(
            actor=request.user,
            household=found,
            into=into[0],
            on=form.cleaned_data["on"],
            key=key,
        )

    return _changed(
        request,
        found,
        form,
        write,
        _("Merge into another household"),
        _("The households are merged."),
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def consent(request: AuthenticatedHttpRequest, household_uid: uuid.UUID) -> HttpResponse:
    """What the household agreed to, for one purpose."""
    found = access.access_household_by_uid(request.user, household_uid)
    form = ConsentForm(request.POST or None)

    def write(key: str) -> Any:
        data = form.cleaned_data
        return services.consent_record(
            actor=request.user,
            household=found,
            purpose=data["purpose"],
            on=data["on"],
            shared_with=data["shared_with"] if data["purpose"] == "sharing" else None,
            key=key,
        )

    return _changed(
        request, found, form, write, _("Record a consent"), _("The consent is recorded.")
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def consent_withdraw(request: AuthenticatedHttpRequest, consent_uid: uuid.UUID) -> HttpResponse:
    """A consent withdrawn: from that day its purpose no longer allows the use."""
    given = access.access_consent_by_uid(request.user, consent_uid)
    found = access.access_household_by_uid(request.user, given.household.uid)
    form = WithdrawForm(request.POST or None)

    def write(key: str) -> Any:
        return services.consent_withdraw(
            actor=request.user, consent=given, on=form.cleaned_data["on"], key=key
        )

    return _changed(
        request,
        found,
        form,
        write,
        _("Withdraw a consent"),
        _("The consent is withdrawn."),
        consent=given,
    )


@login_required
@require_http_methods(GET_OR_POST)
@personal_data
def visit(request: AuthenticatedHttpRequest, household_uid: uuid.UUID) -> HttpResponse:
    """A verification visit and what it found."""
    found = access.access_household_by_uid(request.user, household_uid)
    form = VisitForm(request.POST or None)

    def write(key: str) -> Any:
        data = form.cleaned_data
        return services.visit_record(
            actor=request.user,
            household=found,
            on=data["on"],
            outcome=data["outcome"],
            members_seen=data["members_seen"],
            note=data["note"],
            key=key,
        )

    return _changed(
        request, found, form, write, _("Record a verification visit"), _("The visit is recorded.")
    )


# --- exports -----------------------------------------------------------------------------------


@login_required
@require_safe
@personal_data
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's personal data as CSV or XLSX (``?format=``), one row per member: for
    users with the export permission alone (404 for anyone else), every download audited."""
    organisations = Organisation.objects.filter(
        pk__in=[
            o.pk
            for o in selectors.registry_organisations(user=request.user)
            if access.exports_personal(request.user, o)
        ]
    ).order_by("acronym")
    organisation = _organisation(request, organisations)
    if organisation is None:
        return _chooser(request, organisations, _("Download personal data"))
    format = request.GET.get("format")
    if format is None:
        return render(request, "registry/export.html", {"organisation": organisation})
    if format not in EXPORT_TYPES:
        raise Http404
    data, name = services.personal_export(
        actor=request.user, organisation=organisation, format=format
    )
    response = HttpResponse(data, content_type=EXPORT_TYPES[format])
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=name) or "attachment"
    )
    return response


@login_required
@require_POST
def site_counting(request: AuthenticatedHttpRequest, site_uid: uuid.UUID) -> HttpResponse:
    """Switch whether a site's population is the registry's count of the households living in it
    (a camp whose every household is registered), or its headcounts and estimates."""
    site = access.access_site_for_registry(request.user, site_uid)
    counts = request.POST.get("counts") == "1"
    services.site_counting_set(actor=request.user, site=site, counts=counts)
    if counts:
        messages.success(
            request,
            _("%(name)s now counts its population by registration.") % {"name": local_name(site)},
        )
    else:
        messages.success(
            request,
            _("%(name)s no longer counts its population by registration.")
            % {"name": local_name(site)},
        )
    return redirect(f"{reverse('registry:home')}?organisation={site.organisation_id}")
