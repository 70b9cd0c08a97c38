"""Writes the audit row for each request that showed children's records, before the response leaves."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from macpu.access import audit


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = request.META.get("REMOTE_ADDR") or "unknown"
        with audit.collecting(source=source, what=request.path) as noted:
            response = self.get_response(request)
            if request.user.is_authenticated and request.resolver_match:
                noted.what = request.resolver_match.view_name
            # If the row cannot be written the exception propagates: the request fails and shows nothing.
            if noted.children:
                with transaction.atomic():
                    audit.record_noted(
                        noted,
                        user=request.user if request.user.is_authenticated else None,
                        reason=f"{request.method} {noted.what}",
                        now=timezone.now(),
                    )
        return response
