"""``{% sites_import_form %}``: the form that starts a site master list import, for each
organisation whose sites the reader writes (nothing for anyone else); any sites page may
include it."""

from __future__ import annotations

from typing import Any

from django import template

from nahrain.core.models import Organisation
from nahrain.sites.access import writing_organisations
from nahrain.sites.forms import SiteImportOptionsForm

register = template.Library()


@register.inclusion_tag("sites/_intake_link.html", takes_context=True)
def sites_import_form(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    organisations = Organisation.objects.filter(pk__in=writing_organisations(user))
    return {
        # One form per organisation, each with ids of its own.
        "forms": [
            (o, SiteImportOptionsForm(auto_id=f"site-import-{n}-%s"))
            for n, o in enumerate(organisations, start=1)
        ],
        "csrf_token": context.get("csrf_token"),
    }
