"""What the top bar needs to know of field data collection on every page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from nahrain.collect.access import managed_organisation_ids, reviews_field_data


def navigation(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """Whether the review queue and collector accounts belong in the top bar (the user is an
    information manager somewhere); asked only by a template that shows them, so that pages
    without the top bar's links cost no query."""
    return {
        "manages_field_data": lambda: bool(managed_organisation_ids(request.user)),
        "reviews_field_data": lambda: reviews_field_data(request.user),
    }
