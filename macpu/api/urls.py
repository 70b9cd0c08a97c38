"""/api/v1/: every view here is exempt from Django's login redirect; DRF authenticates and answers in JSON."""

from django.urls import path, re_path

from macpu.api import views

app_name = "api"

urlpatterns = [
    path("schema/", views.Schema.as_view(), name="schema"),
    path("contacts/", views.ContactCreate.as_view(), name="contact-create"),
    path("contacts/<int:pk>/", views.ContactDetail.as_view(), name="contact-detail"),
    path("contacts/<int:pk>/decision/", views.ContactDecision.as_view(), name="contact-decision"),
    path("referrals/", views.ReferralCreate.as_view(), name="referral-create"),
    path("referrals/<int:pk>/decision/", views.ReferralDecision.as_view(), name="referral-decision"),
    path("children/search/", views.ChildSearch.as_view(), name="child-search"),
    path("children/<int:pk>/", views.ChildDetail.as_view(), name="child-detail"),
    path("requests/", views.RequestList.as_view(), name="request-list"),
    path("requests/<int:pk>/", views.RequestDetail.as_view(), name="request-detail"),
    path("requests/<int:pk>/answer/", views.RequestAnswer.as_view(), name="request-answer"),
    re_path(r"", views.NoSuchAddress.as_view(), name="no-such-address"),
]
