from django.urls import include, path

from macpu.access import views

urlpatterns = [
    path("children/<int:pk>/access/", views.child_access, name="child-access"),
    path("children/<int:pk>/access/invite/", views.child_invite, name="child-invite"),
    path(
        "children/<int:pk>/access/invitations/<int:invitation_id>/withdraw/",
        views.invitation_withdraw,
        name="invitation-withdraw",
    ),
    path("children/<int:pk>/access/restrict/", views.child_restrict, name="child-restrict"),
    path("children/<int:pk>/access/lift/", views.restriction_lift, name="restriction-lift"),
    path("children/<int:pk>/access/name/", views.restriction_name, name="restriction-name"),
    path("children/<int:pk>/access/named/<int:grant_id>/review/", views.grant_review, name="grant-review"),
    path("emergency-access/", views.break_glass, name="break-glass"),
    path("privacy/", include("macpu.access.privacy")),
]
