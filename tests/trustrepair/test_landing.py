"""The landing page promises only what the app does."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_landing_page_does_not_promise_a_journal(client):
    page = client.get(reverse("landing")).content.decode().lower()
    assert "journal" not in page  # not built yet
    assert "drafts" in page and "safety questions" in page
