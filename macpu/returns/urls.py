from django.urls import path

from macpu.returns import views

urlpatterns = [
    path("returns/cin-census/", views.cin_census, name="cin-census"),
    path("returns/cin-census/<int:year>.xml", views.cin_census_download, name="cin-census-download"),
    path("returns/annex-a/", views.annex_a, name="annex-a"),
]
