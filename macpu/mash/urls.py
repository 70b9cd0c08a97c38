from django.urls import path

from macpu.mash import views

urlpatterns = [
    path("contacts/<int:pk>/ask/", views.request_create, name="request-create"),
    path("contacts/<int:pk>/for-the-family/", views.family_summary, name="family-summary"),
    path("requests/<int:pk>/rating/", views.rag_change, name="rag-change"),
    path("contacts/<int:pk>/agency-view/", views.agency_view_record, name="agency-view-record"),
    path("escalation-steps/<int:pk>/", views.escalation_step_decide, name="escalation-step-decide"),
    path("requests/", views.agency_request_list, name="agency-requests"),
    path("requests/upload/", views.answers_upload_page, name="answers-upload"),
    path("requests/<int:pk>/", views.answer, name="agency-request"),
]
