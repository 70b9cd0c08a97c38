"""Sign in (password, then the authenticator app's code: macpu.agencies.signin) and sign out, and the /assets/
paths that GOV.UK Frontend's and MoJ Frontend's precompiled CSS use."""

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import path
from django.views.decorators.http import require_GET

from macpu.agencies import signin

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
    path("login/", signin.sign_in, name="login"),
    path("login/code/", signin.sign_in_code, name="sign-in-code"),
    path("logout/", signin.sign_out, name="logout"),
    path("assets/<path:path>", frontend_asset, name="frontend-asset"),
]
