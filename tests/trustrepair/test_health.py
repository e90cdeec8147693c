"""GET /healthz: JSON state of the database and the broker."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: a refused connection, quickly.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def test_healthy_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_unhealthy_and_says_so_when_the_broker_is_down(client, monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment on every connection it
    # makes, ahead of its settings; monkeypatch puts the old value back afterwards.
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "down"}


def test_healthy_again_once_the_broker_is_back(client, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
        assert client.get(reverse("healthz")).status_code == 503
    assert client.get(reverse("healthz")).status_code == 200


def test_healthz_is_read_only(client):
    assert client.post(reverse("healthz")).status_code == 405


def test_healthz_needs_no_login_and_sets_no_session(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
