"""A therapist reads every time on their own wall clock (``User.time_zone``), like partners do."""

import datetime as dt
import html

import pytest
from django.urls import reverse

from accounts.models import TherapistNote

pytestmark = pytest.mark.django_db


def test_note_times_are_in_the_therapists_zone(tclient, planted, linked, therapist):
    # The therapist fixture lives in New York: 03:30 UTC on 3 December is 22:30 on 2 December there.
    TherapistNote.objects.create(
        couple=planted, therapist=therapist, text="A note", created_at=dt.datetime(2026, 12, 3, 3, 30, tzinfo=dt.UTC)
    )
    TherapistNote.objects.filter(couple=planted).update(updated_at=dt.datetime(2026, 12, 3, 3, 30, tzinfo=dt.UTC))
    body = html.unescape(tclient.get(reverse("therapist:couple", args=[planted.pk])).content.decode())
    assert "2 Dec 2026, 22:30" in body
    assert "3 Dec 2026, 03:30" not in body
