"""One function per email; each renders a subject/text/HTML trio from templates/emails/<name>/."""

from __future__ import annotations

from contextlib import nullcontext

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.local_time import shown_to


def send(name: str, to: str, context: dict, *, headers: dict | None = None, recipient=None) -> None:
    """``recipient`` (a user): times in the email are on their wall clock, whether or not a request is running."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    with shown_to(recipient) if recipient is not None else nullcontext():
        subject = " ".join(render_to_string(f"emails/{name}/subject.txt", context).split())
        text = render_to_string(f"emails/{name}/body.txt", context)
        html = render_to_string(f"emails/{name}/body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[to], headers=headers or {})
    message.attach_alternative(html, "text/html")
    message.send()


def couple_invitation(invitation, token: str) -> None:
    link = settings.SITE_URL + reverse("join_link", args=[token])
    send(
        "couple_invitation",
        invitation.email,
        {"inviter_name": invitation.inviter.display_name, "link": link, "expires_at": invitation.expires_at},
    )


def space_closed(partner) -> None:
    """The neutral notice to the partner who stays: the space closed. Never why, never who did what."""
    send(
        "space_closed",
        partner.email,
        {"name": partner.get_short_name(), "link": settings.SITE_URL + reverse("couple:dashboard")},
        recipient=partner,
    )
