from django.urls import path

from macpu.people import views

urlpatterns = [
    path("possible-matches/", views.review_list, name="review-queue"),
    path("possible-matches/<int:pk>/", views.review_pair, name="review-pair"),
    path("possible-matches/<int:pk>/merge/", views.review_merge, name="review-merge"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge-undo"),
]
