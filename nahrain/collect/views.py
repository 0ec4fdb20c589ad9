"""OpenRosa 1.0 endpoints for ODK Collect, KoboCollect and Enketo (plain views: OpenRosa is XML).

The server URL an app is given is ``https://HOST/openrosa``; the apps append ``/formList`` and
``/submission``, and follow the download and manifest URLs the form list names.
"""

from __future__ import annotations

import functools
import math
import uuid
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from nahrain.collect import access, openrosa, selectors, services
from nahrain.collect.auth import authenticate, challenge
from nahrain.collect.models import Collector
from nahrain.core.forms import wait_message

CollectorView = Callable[..., HttpResponse]


def collector_required(view: CollectorView) -> Callable[..., HttpResponse]:
    """Authenticate the collector (Digest, or Basic over HTTPS) or answer 401 with a challenge."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        result = authenticate(request)
        if result.wait:
            response = openrosa.message(429, wait_message(result.wait))
            response["Retry-After"] = str(math.ceil(result.wait))
            return response
        if result.collector is None:
            response = openrosa.message(401, _("Authentication required."))
            response["WWW-Authenticate"] = challenge(stale=result.stale)
            return response
        return view(request, result.collector, *args, **kwargs)

    return wrapper


def _true(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name, "").lower() in ("true", "1", "yes")


@require_GET
@collector_required
def form_list(request: HttpRequest, collector: Collector) -> HttpResponse:
    """The forms of the collector's organisation; ``formID``, ``verbose`` and
    ``listAllVersions`` are understood, nothing else is required."""
    versions = selectors.form_versions_for_collector(
        collector,
        form_id=request.GET.get("formID", ""),
        all_versions=_true(request, "listAllVersions"),
    )
    entries = [
        openrosa.FormEntry(
            form_id=version.form.form_id,
            name=version.form.title,
            version=version.version,
            md5=version.md5,
            download_url=request.build_absolute_uri(
                reverse("openrosa:form_download", args=[version.uid])
            ),
            manifest_url=(
                request.build_absolute_uri(reverse("openrosa:manifest", args=[version.uid]))
                if version.media.all()
                else None
            ),
        )
        for version in versions
    ]
    return openrosa.form_list(entries)


@require_GET
@collector_required
def form_download(request: HttpRequest, collector: Collector, uid: uuid.UUID) -> HttpResponse:
    version = access.access_form_version_for_collector(collector, uid)
    response = HttpResponse(version.xml.encode("utf-8"), content_type=openrosa.XML_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{version.form.form_id}.xml"'
    return openrosa.with_headers(response)


@require_GET
@collector_required
def manifest(request: HttpRequest, collector: Collector, uid: uuid.UUID) -> HttpResponse:
    version = access.access_form_version_for_collector(collector, uid)
    return openrosa.manifest(
        (
            media.filename,
            media.md5,
            request.build_absolute_uri(
                reverse("openrosa:media", args=[version.uid, media.filename])
            ),
        )
        for media in version.media.all()
    )


@require_GET
@collector_required
def media_download(
    request: HttpRequest, collector: Collector, uid: uuid.UUID, filename: str
) -> HttpResponse:
    version = access.access_form_version_for_collector(collector, uid)
    media = version.media.filter(filename=filename).first()
    if media is None:
        raise Http404
    response = HttpResponse(bytes(media.data), content_type=media.content_type)
    response["Content-Disposition"] = f'attachment; filename="{media.filename}"'
    return openrosa.with_headers(response)


@csrf_exempt
@require_http_methods(["HEAD", "POST"])
@collector_required
def submission(request: HttpRequest, collector: Collector) -> HttpResponse:
    """HEAD: 204, telling the app the largest body accepted. POST: one submission (or one part
    of it): 201 stored, 202 already known, 409 same instanceID other content, 413 too big."""
    if request.method == "HEAD":
        return openrosa.with_submission_headers(HttpResponse(status=204))
    try:
        body = openrosa.read_body(request)
        parts = openrosa.parse_submission(request, body)
    except openrosa.BodyError as failed:
        return openrosa.message(failed.status, str(failed), nature="submit_error")
    try:
        received = services.submission_receive(
            collector=collector,
            xml=parts.xml,
            attachments=parts.attachments,
            incomplete=parts.incomplete,
        )
    except services.SubmissionRefused as refused:
        return openrosa.message(refused.status, str(refused), nature="submit_error")
    except services.SubmissionConflict as conflict:
        return openrosa.message(409, str(conflict), nature="submit_error")
    if received.created:
        response = openrosa.message(
            201, _("Thank you: the submission was received."), nature="submit_success"
        )
        response["Location"] = request.build_absolute_uri(reverse("openrosa:submission"))
        return response
    return openrosa.message(
        202, _("This submission had been received already."), nature="submit_success"
    )
