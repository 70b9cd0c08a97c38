from django.urls import path

from macpu.analytics import views

urlpatterns = [
    path("analytics/", views.home, name="analytics-home"),
]
