from django.urls import path

from macpu.intake import views

urlpatterns = [
    path("children/<int:pk>/details/", views.ChildDetailsView.as_view(), name="child-details-change"),
    path("children/<int:pk>/birth/", views.ChildBirthView.as_view(), name="child-birth"),
    path("children/<int:pk>/death/", views.ChildDeathView.as_view(), name="child-death"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/new/matches/", views.contact_matches, name="contact-matches"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/decide/", views.contact_decide_view, name="contact-decide"),
    path("contacts/<int:pk>/referrer-told/", views.referrer_told_view, name="contact-referrer-told"),
    path("referrals/<int:pk>/decide/", views.ReferralDecideView.as_view(), name="referral-decide"),
    path("referrals/<int:pk>/allocate/", views.ReferralAllocateView.as_view(), name="referral-allocate"),
]
