from django.urls import path

from macpu.casework import views

urlpatterns = [
    path("referrals/<int:pk>/assessment/", views.AssessmentStartView.as_view(), name="assessment-start"),
    path("assessments/<int:pk>/complete/", views.AssessmentCompleteView.as_view(), name="assessment-complete"),
    path("referrals/<int:pk>/cin-plan/", views.CinPlanStartView.as_view(), name="cin-plan-start"),
    path("cin-plans/<int:pk>/end/", views.CinPlanEndView.as_view(), name="cin-plan-end"),
    path("referrals/<int:pk>/close/", views.EpisodeCloseView.as_view(), name="episode-close"),
]
