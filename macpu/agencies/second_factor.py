"""The second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app.

Every account has a secret (`User.totp_secret`). A code is 6 digits for a 30-second time step. A code is accepted
for the step it was made for and one step either side (a phone's clock may drift), and only once: the last step
used is kept on the user (`User.totp_last_step`), and a code for that step or an earlier one is refused.

The clock is never read here: callers pass `now` in (house rule 4).
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
from django.db.models import Q

from macpu.agencies.models import User

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1


def normalise(code: str) -> str:
    """The code as typed, without the spaces and dashes people add ("123 456", "123-456")."""
    return "".join(ch for ch in code if ch not in " -\u00a0\t")


def well_formed(code: str) -> bool:
    code = normalise(code)
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def time_step(now: datetime) -> int:
    """The 30-second step that `now` (an aware datetime) falls in."""
    return int(now.timestamp()) // STEP_SECONDS


def code_for_step(secret: str, step: int) -> str:
    return _totp(secret).generate_otp(step)


def code_at(user: User, now: datetime) -> str:
    """The code the user's authenticator app shows at `now` (for the demo and the tests)."""
    return code_for_step(user.totp_secret, time_step(now))


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (within one step of `now`) whose code this is, or None. Compares in constant time."""
    code = normalise(code)
    if not secret or not well_formed(code):
        return None
    current = time_step(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_for_step(secret, step), code):
            found = step
    return found


def verify_code(user: User, code: str, now: datetime) -> bool:
    """Is `code` the user's right code at `now`, not used before? If it is, it is used up now.

    A right code is recorded as used (its time step is stored on the user) in one conditional UPDATE, so the same
    code sent twice at once is accepted once. Wrong codes change nothing: counting failures is the caller's job.
    """
    step = matching_step(user.totp_secret, code, now)
    if step is None:
        return False
    if user.totp_last_step is not None and step <= user.totp_last_step:
        return False
    unused = Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step)
    if not User.objects.filter(unused, pk=user.pk).update(totp_last_step=step):
        return False
    user.totp_last_step = step
    return True
