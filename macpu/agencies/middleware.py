"""Sessions that end when they should, and the security headers on every page.

`SessionSecurityMiddleware` sits right after Django's AuthenticationMiddleware. For each request it:

- signs the user out if the session has been idle longer than `SESSION_IDLE_MINUTES` (default 30), if it was
  signed in longer ago than `SESSION_COOKIE_AGE` (8 hours, the absolute lifetime), or if the user's
  `session_epoch` has moved on since the session signed in (signing out anywhere, macpu.agencies.signin, ends
  every session of that user). A session with no epoch stored (one made by the test client's `force_login`)
  counts as epoch 0, which is where every user starts.
- ends at once a session whose user is switched off (`is_active` false) or gone: Django already treats its
  request as signed out; the session itself is flushed too.
- gives the request a fresh `csp_nonce` (base.html puts it on its inline scripts), and every response a
  Content-Security-Policy allowing scripts only from macpu itself or with that nonce.
- marks every response to a signed-in user `Cache-Control: no-store` (with Django's other never-cache headers),
  so no page of case data is kept by a browser or a proxy.

The clock is read here, at the edge; nothing below it reads one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from macpu.agencies import signin

# Last activity is written at most this often, so a busy user's session is not saved on every request.
ACTIVITY_RESOLUTION_SECONDS = 60

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        self.check_session(request)
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)
        response.headers.setdefault("Content-Security-Policy", policy.format(nonce=nonce))
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response

    def check_session(self, request: HttpRequest) -> None:
        session = request.session
        user = request.user
        if not user.is_authenticated:
            if SESSION_KEY in session:  # the account is switched off or gone: end its session now
                session.flush()
            return
        now = timezone.now().timestamp()
        signed_in_at = session.get(signin.SIGNED_IN_AT)
        last_activity = session.get(signin.LAST_ACTIVITY)
        reason = ""
        if not user.is_active:
            reason = "switched off"
        elif session.get(signin.EPOCH, 0) != user.session_epoch:  # type: ignore[union-attr]
            reason = "signed out elsewhere"
        elif last_activity is not None and now - last_activity > signin.idle_minutes() * 60:
            reason = "idle"
        elif signed_in_at is not None and now - signed_in_at > settings.SESSION_COOKIE_AGE:
            reason = "expired"
        if reason:
            logout(request)
            if reason in signin.NOTICES:
                request.session[signin.NOTICE] = reason
            return
        if signed_in_at is None:  # a session not made by the sign-in pages (force_login): its lifetime starts now
            session[signin.SIGNED_IN_AT] = now
            session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
        if last_activity is None or now - last_activity >= ACTIVITY_RESOLUTION_SECONDS:
            session[signin.LAST_ACTIVITY] = now
