from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from macpu.agencies.models import Role


def home(request: HttpRequest) -> HttpResponse:
    """The service's front page: an administrator's is the local settings, a performance analyst's the census, an
    analyst's the analytics, a privacy officer's the audit and alerts, a partner agency practitioner's the requests
    to their agency, everyone else's their own work."""
    landing = {
        Role.ADMINISTRATOR: "local-settings",
        Role.PERFORMANCE_ANALYST: "cin-census",
        Role.ANALYST: "analytics-home",
        Role.PRIVACY_OFFICER: "privacy-home",
        Role.PARTNER_PRACTITIONER: "agency-requests",
    }
    return redirect(landing.get(request.user.role, "my-work"))
