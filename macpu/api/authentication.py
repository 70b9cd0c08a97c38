"""`Authorization: Bearer <key>`: how a partner system signs in to the API (macpu.agencies.api_keys)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from macpu.agencies import api_keys
from macpu.agencies.models import User


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, None] | None:
        scheme, _, key = get_authorization_header(request).decode("latin-1").partition(" ")
        if scheme.lower() != "bearer":
            return None  # not ours: the session, or nothing
        user = api_keys.account_for(key.strip(), timezone.now())
        if user is None:
            raise exceptions.AuthenticationFailed("This API key is not valid: it is unknown, revoked or expired.")
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key an administrator issued for a partner system (`macpu api-key issue`).",
        }
