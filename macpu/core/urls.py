"""Sign in and sign out, and the /assets/ paths that GOV.UK Frontend's and MoJ Frontend's precompiled CSS use."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import path
from django.views.decorators.http import require_GET

from macpu.core.forms import SignInForm

# The precompiled CSS asks for fonts and images at /assets/...; the files are under these static prefixes.
ASSET_DIRS = ("govuk-frontend/dist/govuk/assets/", "moj-frontend/moj/assets/")


@login_not_required
@require_GET
def frontend_asset(request: HttpRequest, path: str) -> HttpResponseRedirect:
    """Redirect /assets/<path> to the static file that holds it (GOV.UK Frontend's first, then MoJ Frontend's)."""
    if ".." not in path.split("/"):
        for prefix in ASSET_DIRS:
            if finders.find(prefix + path) or staticfiles_storage.exists(prefix + path):
                return HttpResponseRedirect(static(prefix + path))
    raise Http404("No such asset.")


urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("assets/<path:path>", frontend_asset, name="frontend-asset"),
]
