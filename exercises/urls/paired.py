from django.urls import path

from exercises.views import paired as views

urlpatterns = [
    path("", views.index, name="index"),
    path("incidents/<int:pk>/", views.incident, name="incident"),
    path("incidents/<int:pk>/autosave/", views.incident_autosave, name="incident_autosave"),
    path("incidents/<int:pk>/steps/<int:step_id>/revise/", views.incident_revise, name="incident_revise"),
    path("incidents/<int:pk>/note/", views.incident_note, name="incident_note"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/autosave/", views.autosave, name="autosave"),
    path("<slug:slug>/steps/<int:step_id>/revise/", views.revise, name="revise"),
]
