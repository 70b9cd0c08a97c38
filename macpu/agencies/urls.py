from django.urls import path

from macpu.agencies import views

urlpatterns = [path("settings/", views.local_settings, name="local-settings")]
