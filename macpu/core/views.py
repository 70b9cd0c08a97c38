from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from macpu.agencies.models import Role


def home(request: HttpRequest) -> HttpResponse:
    """The service's front page: an administrator's is the local settings, everyone else's their own work."""
    return redirect("local-settings" if request.user.role == Role.ADMINISTRATOR else "my-work")
