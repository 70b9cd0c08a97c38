from django.urls import include, path

urlpatterns = [
    path("", include("macpu.core.urls")),
    path("api/v1/", include("macpu.api.urls")),
    path("", include("macpu.agencies.urls")),
    path("", include("macpu.protection.urls")),
    path("", include("macpu.intake.urls")),
    path("", include("macpu.mash.urls")),
    path("", include("macpu.casework.urls")),
    path("", include("macpu.returns.urls")),
    path("", include("macpu.access.urls")),
    path("", include("macpu.people.urls")),
    path("", include("macpu.analytics.urls")),
]
