"""URLs of the questions log, under /couple/exercises/questions/."""

from django.urls import path

from exercises.views import questions as views

urlpatterns = [
    path("", views.questions, name="questions"),
    path("<int:pk>/answer/", views.answer, name="question_answer"),
    path("<int:pk>/save-for-therapist/", views.save_for_therapist, name="question_save"),
]
