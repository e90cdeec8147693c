"""Therapist-review emails; each renders a subject/text/HTML trio from templates/therapist/emails/<name>/."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse


def _send(name: str, to: str, context: dict) -> None:
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"therapist/emails/{name}/subject.txt", context).split())
    text = render_to_string(f"therapist/emails/{name}/body.txt", context)
    html = render_to_string(f"therapist/emails/{name}/body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def therapist_invitation(*, email: str, inviter, token: str) -> None:
    link = settings.SITE_URL + reverse("therapist:invitation", args=[token])
    _send(
        "invitation",
        email,
        {"inviter_name": inviter.display_name, "link": link, "join_url": settings.SITE_URL + reverse("therapist:join")},
    )
