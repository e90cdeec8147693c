"""URLs of the appreciations flow, under /couple/exercises/appreciations/."""

from django.urls import path

from exercises.views import appreciations as views

urlpatterns = [
    path("", views.appreciations, name="appreciations"),
]
