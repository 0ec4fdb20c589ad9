"""Filters of the feedback pages: a code's label in the reader's language, and whether an item
is past its deadline."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from nahrain.feedback import codelists
from nahrain.feedback.models import OPEN_STATUSES

register = template.Library()


@register.filter
def flabel(code: Any, kind: str) -> str:
    """A code's label from the feedback code lists ("channels", "categories"...)."""
    return codelists.label(kind, str(code)) if code else ""


@register.filter
def overdue(item: Any) -> bool:
    """Still open after its deadline."""
    return bool(item.status in OPEN_STATUSES and item.due_at and item.due_at < timezone.now())
