"""URLs of the accountability flow, under /couple/exercises/accountability/."""

from django.urls import path

from exercises.views import accountability as views

urlpatterns = [
    path("", views.accountability, name="accountability"),
    path("respond/", views.respond, name="accountability_respond"),
]
