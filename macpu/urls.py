from django.urls import include, path

urlpatterns = [
    path("", include("macpu.core.urls")),
    path("", include("macpu.agencies.urls")),
    path("", include("macpu.protection.urls")),
    path("", include("macpu.intake.urls")),
    path("", include("macpu.casework.urls")),
]
