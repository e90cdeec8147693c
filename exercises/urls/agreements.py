"""URLs of the agreements flow, under /couple/exercises/agreements/."""

from django.urls import path

from exercises.views import agreements as views

urlpatterns = [
    path("", views.agreements, name="agreements"),
    path("<int:pk>/decide/", views.decide, name="agreement_decide"),
    path("<int:pk>/change/", views.counter, name="agreement_counter"),
    path("<int:pk>/end/", views.end, name="agreement_end"),
    path("<int:pk>/log/", views.log, name="agreement_log"),
    path("checks/<int:pk>/confirm/", views.confirm, name="agreement_confirm"),
    path("checks/<int:pk>/dispute/", views.dispute, name="agreement_dispute"),
]
