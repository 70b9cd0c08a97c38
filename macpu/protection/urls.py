from django.urls import path

from macpu.core.views import home
from macpu.protection import views

urlpatterns = [
    path("", home, name="home"),
    path("work/", views.my_work, name="my-work"),
    path("work/team/", views.team_work, name="team-work"),
    path("children/", views.child_search, name="child-search"),
    path("children/<int:pk>/", views.child_detail, name="child-detail"),
    path("referrals/<int:pk>/strategy/invite/", views.StrategyInviteView.as_view(), name="strategy-invite"),
    path("referrals/<int:pk>/strategy/", views.StrategyCreateView.as_view(), name="strategy-create"),
    path("actions/<int:pk>/done/", views.StrategyActionDoneView.as_view(), name="strategy-action-done"),
    path("enquiries/<int:pk>/seen/", views.S47SeenView.as_view(), name="s47-seen"),
    path("enquiries/<int:pk>/outcome/", views.S47OutcomeView.as_view(), name="s47-outcome"),
    path("enquiries/<int:pk>/conference/", views.InitialConferenceView.as_view(), name="conference-initial"),
    path("plans/<int:pk>/core-group/", views.CoreGroupCreateView.as_view(), name="core-group-create"),
    path("plans/<int:pk>/visit/", views.VisitCreateView.as_view(), name="visit-create"),
    path("plans/<int:pk>/review/", views.ReviewConferenceView.as_view(), name="conference-review"),
    path("plans/<int:pk>/end/", views.PlanEndView.as_view(), name="plan-end"),
]
