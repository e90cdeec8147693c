"""URLs of the rituals flow, under /couple/exercises/rituals/."""

from django.urls import path

from exercises.views import rituals as views

urlpatterns = [
    path("", views.rituals, name="rituals"),
    path("<int:pk>/done/", views.done, name="ritual_done"),
    path("<int:pk>/toggle/", views.toggle, name="ritual_toggle"),
]
