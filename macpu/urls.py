from django.urls import include, path

urlpatterns = [
    path("", include("macpu.core.urls")),
]
