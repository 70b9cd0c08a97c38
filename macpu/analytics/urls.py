from django.urls import path

from macpu.analytics import views

urlpatterns = [
    path("analytics/", views.home, name="analytics-home"),
    path("analytics/local-authorities/", views.published_compare, name="analytics-published-compare"),
    path("analytics/local-authorities.csv", views.published_compare_csv, name="analytics-published-compare-csv"),
    path(
        "analytics/local-authorities/evaluation/",
        views.published_evaluation_page,
        name="analytics-published-evaluation",
    ),
    path(
        "analytics/local-authorities/evaluation.csv",
        views.published_evaluation_csv,
        name="analytics-published-evaluation-csv",
    ),
    path("analytics/unit/funnel/", views.unit_funnel, name="analytics-unit-funnel"),
    path("analytics/unit/funnel.csv", views.unit_funnel_csv, name="analytics-unit-funnel-csv"),
    path("analytics/unit/measures/", views.unit_measures, name="analytics-unit-measures"),
    path("analytics/unit/measures.csv", views.unit_measures_csv, name="analytics-unit-measures-csv"),
]
