"""Signing in, in two steps, and signing out everywhere (docs/adr/0005-sign-in-second-factor.md).

1. Username and password (`macpu.core.forms.SignInForm`). Right, they only start a *pending* sign-in: the user's
   id is kept in the session, and nobody is signed in yet (`request.user` stays anonymous).
2. The 6-digit code from the authenticator app (`CodeForm`), or a security key (WebAuthn, `sign_in_security_key`;
   macpu.agencies.security_keys). Right, `django.contrib.auth.login` signs the user in, and the session gets its
   epoch, its sign-in time and its absolute expiry. A user with a security key is offered it first; an
   administrator must use one (unless a DEBUG demo turned `MACPU_ADMIN_REQUIRES_SECURITY_KEY` off), so an
   administrator without a key cannot sign in (docs/adr/0007-security-keys.md).

Lockout: failures (a wrong password, a wrong code or a security key not recognised) are counted for the username
as typed, whether or not such an account exists. After `MACPU_SIGN_IN_ATTEMPTS` failures within
`MACPU_SIGN_IN_WINDOW_MINUTES`, that username is locked for `MACPU_SIGN_IN_LOCK_MINUTES`: every attempt gets the
same message, right password or not, and an unknown username gets exactly the same pages as a real one. Real
accounts keep their count on the `User` row (shared by every server process); usernames with no account keep theirs
in Django's cache.

Signing out raises the user's `session_epoch`, which ends every session of theirs (macpu.agencies.middleware).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from macpu.agencies import second_factor, security_keys
from macpu.agencies.models import Role, SecurityKey, User

# Session keys
PENDING = "macpu_sign_in_pending"  # {"user": id, "at": unix time, "next": path}: password right, code not yet
EPOCH = "macpu_session_epoch"  # the user's session_epoch when this session signed in (missing: 0)
SIGNED_IN_AT = "macpu_signed_in_at"  # unix time
LAST_ACTIVITY = "macpu_last_activity"  # unix time
NOTICE = "macpu_sign_in_notice"  # why the sign-in page is shown: "idle", "expired", "locked", "restart"

PENDING_SECONDS = 5 * 60
KEY_NOT_USED = "Your security key was not used. Select “Use your security key”, then touch your key when it flashes."
LOCKED_MESSAGE = (
    "There have been too many attempts to sign in with this username. Wait 15 minutes and try again, or ask an "
    "administrator to help."
)
NOTICES = {
    "idle": "You have been signed out because you had not used macpu for {idle} minutes. Sign in again.",
    "expired": "You have been signed out because you signed in more than {hours} hours ago. Sign in again.",
    "locked": LOCKED_MESSAGE,
    "restart": "Your sign-in took too long. Enter your username and password again.",
}


def attempts() -> int:
    return int(getattr(settings, "MACPU_SIGN_IN_ATTEMPTS", 5))


def lock_minutes() -> int:
    return int(getattr(settings, "MACPU_SIGN_IN_LOCK_MINUTES", 15))


def window_minutes() -> int:
    return int(getattr(settings, "MACPU_SIGN_IN_WINDOW_MINUTES", 15))


def idle_minutes() -> int:
    return int(getattr(settings, "SESSION_IDLE_MINUTES", 30))


# --- lockout ----------------------------------------------------------------------------------------------------


def _cache_key(username: str) -> str:
    # A digest, so no username is kept as a key (and any length or character is a valid key).
    return "macpu:sign-in-failures:" + hashlib.sha256(username.encode()).hexdigest()


def is_locked(username: str, now: datetime) -> bool:
    """Is this username (as typed) locked out at `now`? The same answer shape for real and unknown usernames."""
    user = User.objects.filter(username=username).only("locked_until").first()
    if user is not None:
        return user.locked_until is not None and user.locked_until > now
    state = cache.get(_cache_key(username))
    return bool(state and state.get("locked_until") and state["locked_until"] > now.timestamp())


def record_failure(username: str, now: datetime) -> bool:
    """Count one failed attempt (a wrong password or code) for this username. True: it is locked now."""
    window, lock = timedelta(minutes=window_minutes()), timedelta(minutes=lock_minutes())
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is not None:
            recent = user.last_failed_sign_in is not None and now - user.last_failed_sign_in <= window
            count = (user.failed_sign_ins if recent else 0) + 1
            locked_until = now + lock if count >= attempts() else user.locked_until
            User.objects.filter(pk=user.pk).update(
                failed_sign_ins=0 if count >= attempts() else count,
                last_failed_sign_in=now,
                locked_until=locked_until,
            )
            return count >= attempts()
    key = _cache_key(username)
    state = cache.get(key) or {}
    recent = state.get("last") is not None and now.timestamp() - state["last"] <= window.total_seconds()
    count = (state.get("count", 0) if recent else 0) + 1
    locked = count >= attempts()
    state = {
        "count": 0 if locked else count,
        "last": now.timestamp(),
        "locked_until": (now + lock).timestamp() if locked else state.get("locked_until"),
    }
    cache.set(key, state, timeout=int((window + lock).total_seconds()))
    return locked


def clear_failures(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_sign_ins=0, last_failed_sign_in=None, locked_until=None)


def spend_like_a_password_check(password: str) -> None:
    """Do the work a password check does, so a locked username answers as slowly as any other."""
    make_password(password)


# --- the session ------------------------------------------------------------------------------------------------


def start_session(request: HttpRequest, user: User, now: datetime) -> None:
    """Sign the user in (both factors done): epoch, sign-in time, last activity and an absolute expiry."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[EPOCH] = user.session_epoch
    request.session[SIGNED_IN_AT] = now.timestamp()
    request.session[LAST_ACTIVITY] = now.timestamp()
    request.session.set_expiry(now + timedelta(seconds=settings.SESSION_COOKIE_AGE))


def end_all_sessions(user: User) -> None:
    """End every session this user has, on every device, at their next request."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)


def notice(request: HttpRequest) -> str:
    key = request.session.pop(NOTICE, "")
    return NOTICES.get(key, "").format(idle=idle_minutes(), hours=settings.SESSION_COOKIE_AGE // 3600)


def _next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# --- the pages --------------------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        help_text="The 6-digit code your authenticator app shows now. A new code appears every 30 seconds.",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app."},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "class": "govuk-input--width-5",
            }
        ),
    )

    def clean_code(self) -> str:
        code = second_factor.normalise(self.cleaned_data["code"])
        if not second_factor.well_formed(code):
            raise forms.ValidationError("Enter the code as 6 numbers, like 123456.")
        return code


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1: username and password. Right, they lead to step 2; nobody is signed in yet."""
    from macpu.core.forms import SignInForm  # core's forms module holds every GOV.UK form helper

    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return HttpResponseRedirect(_next(request, next_url))
    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        request.session.cycle_key()
        request.session[PENDING] = {"user": user.pk, "at": timezone.now().timestamp(), "next": next_url}
        if security_keys.must_use_key(user) or security_keys.has_key(user):
            return redirect("sign-in-security-key")
        return redirect("sign-in-code")
    context = {"form": form, "next": next_url, "notice": "" if form.is_bound else notice(request)}
    return render(request, "registration/login.html", context)


def _pending_user(request: HttpRequest, now: datetime) -> tuple[User | None, dict[str, Any]]:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None, {}
    if now.timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None, pending
    return User.objects.filter(pk=pending.get("user"), is_active=True).first(), pending


@login_not_required
@csrf_protect
@never_cache
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the authenticator app. Right, the user is signed in."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    now = timezone.now()
    user, pending = _pending_user(request, now)
    if user is None:
        return _restart(request, pending)
    if security_keys.must_use_key(user):
        return redirect("sign-in-security-key")
    form = CodeForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if is_locked(user.username, now):
            return _locked_out(request)
        if second_factor.verify_code(user, form.cleaned_data["code"], now):
            del request.session[PENDING]
            clear_failures(user)
            start_session(request, user, now)
            return HttpResponseRedirect(_next(request, pending.get("next", "")))
        if record_failure(user.username, now):
            return _locked_out(request)
        form.add_error("code", "The code is not right. Enter the 6-digit code your authenticator app shows now.")
    context = {
        "form": form,
        "has_key": security_keys.has_key(user),
        # An administrator reaches this page only when a DEBUG demo has turned the rule off: the page says so.
        "administrator_demo": user.role == Role.ADMINISTRATOR,
    }
    return render(request, "registration/sign_in_code.html", context)


class SecurityKeyForm(forms.Form):
    """What the browser's security key answered (JSON, filled in by macpu/static/js/webauthn.js)."""

    credential = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20_000)


@login_not_required
@csrf_protect
@never_cache
def sign_in_security_key(request: HttpRequest) -> HttpResponse:
    """Step 2 with a security key instead of the code. Administrators must take this way."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    now = timezone.now()
    user, pending = _pending_user(request, now)
    if user is None:
        return _restart(request, pending)
    must = security_keys.must_use_key(user)
    if not security_keys.has_key(user):
        if not must:
            return redirect("sign-in-code")
        return render(request, "registration/sign_in_no_security_key.html", {})
    form = SecurityKeyForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and not form.cleaned_data["credential"]:
        form.add_error("credential", KEY_NOT_USED)  # cancelled, or no key touched in time: not a failure
    elif request.method == "POST" and form.is_valid():
        if is_locked(user.username, now):
            return _locked_out(request)
        key = security_keys.security_key_use(
            user=user,
            credential=form.cleaned_data["credential"],
            expected_challenge=security_keys.take_challenge(request, security_keys.SIGN_IN, now),
            rp_id=security_keys.rp_id(request),
            origin=security_keys.origin(request),
            now=now,
        )
        if key is not None:
            del request.session[PENDING]
            clear_failures(user)
            start_session(request, user, now)
            return HttpResponseRedirect(_next(request, pending.get("next", "")))
        if record_failure(user.username, now):
            return _locked_out(request)
        form.add_error(
            "credential",
            "Your security key was not recognised. Select “Use your security key” and touch your key when it "
            "flashes. Use a key you have added to macpu.",
        )
    context = {
        "form": form,
        "must_use_key": must,
        "webauthn_options": json.loads(security_keys.authentication_options(request, user, security_keys.SIGN_IN, now)),
    }
    return render(request, "registration/sign_in_security_key.html", context)


def _restart(request: HttpRequest, pending: dict[str, Any]) -> HttpResponse:
    request.session.pop(PENDING, None)
    if pending:
        request.session[NOTICE] = "restart"
    return redirect("login")


def _locked_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING, None)
    request.session[NOTICE] = "locked"
    return redirect("login")


@login_not_required
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out here and everywhere else this user is signed in."""
    if request.user.is_authenticated:
        end_all_sessions(request.user)  # type: ignore[arg-type]  # authenticated: a User
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- the Security keys page -------------------------------------------------------------------------------------


class AddSecurityKeyForm(forms.Form):
    name = forms.CharField(
        label="Name for the security key",
        help_text="So you can tell your keys apart, for example “Blue key on my keyring”.",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off"}),
    )
    credential = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20_000)


def security_keys_page(request: HttpRequest) -> HttpResponse:
    """The signed-in user's security keys: the list, adding one (a registration ceremony), removing one."""
    from macpu.core.forms import add_service_errors  # core's forms module imports this one

    user: User = request.user  # type: ignore[assignment]  # login required: a User
    now = timezone.now()
    form = AddSecurityKeyForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            key = security_keys.security_key_add(
                user=user,
                name=form.cleaned_data["name"],
                credential=form.cleaned_data["credential"],
                expected_challenge=security_keys.take_challenge(request, security_keys.REGISTER, now),
                rp_id=security_keys.rp_id(request),
                origin=security_keys.origin(request),
                now=now,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Security key “{key.name}” added. You can use it to sign in.")
            return redirect("security-keys")
    context = {
        "form": form,
        "keys": SecurityKey.objects.filter(user=user),
        "must_use_key": security_keys.must_use_key(user),
        "webauthn_options": json.loads(security_keys.registration_options(request, user, now)),
    }
    return render(request, "agencies/security_keys.html", context)


@require_POST
def security_key_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # login required: a User
    key = get_object_or_404(SecurityKey, pk=pk, user=user)
    try:
        security_keys.security_key_remove(user=user, key=key)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Security key “{key.name}” removed. It cannot be used to sign in any more.")
    return redirect("security-keys")
