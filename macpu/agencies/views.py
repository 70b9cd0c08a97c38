from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from macpu.agencies.models import LocalAuthority, Role
from macpu.agencies.selectors import local_authority
from macpu.agencies.services import LOCAL_SETTINGS, local_settings_update
from macpu.core.forms import add_service_errors


class LocalSettingsForm(forms.ModelForm):
    class Meta:
        model = LocalAuthority
        fields = LOCAL_SETTINGS
        help_texts = {
            "code": "The 3-digit code the Department for Education gives the local authority.",
            "start_day_counts": "Untick to count from the next working day instead.",
        }


def local_settings(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.ADMINISTRATOR:
        raise PermissionDenied
    form = LocalSettingsForm(request.POST or None, instance=local_authority())
    if request.method == "POST" and form.is_valid():
        try:
            local_settings_update(actor=request.user, changes={f: form.cleaned_data[f] for f in LOCAL_SETTINGS})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Local settings saved")
            return redirect("local-settings")
    return render(request, "agencies/local_settings.html", {"form": form})
