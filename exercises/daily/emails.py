"""The daily rhythm's emails: one function per email, each a subject/text/HTML trio under templates/emails/<name>/.

Links go into the app, where the log-in page stands in front of them: no mail
ever carries a log-in token. Prompt emails carry a one-click unsubscribe link
and the RFC 8058 headers, so a mail client's own "unsubscribe" button works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from exercises.models import Delivery, PromptKind

from .copy import Copy, Starter
from .mime import PromptEmail
from .tokens import unsubscribe_token, unsubscribe_url


def render_subject(name: str, context: dict) -> str:
    return " ".join(render_to_string(f"emails/{name}/subject.txt", context).split())


def compose(
    name: str, to: str, context: dict, *, headers: dict | None = None, subject: str | None = None
) -> PromptEmail:
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = render_subject(name, context) if subject is None else subject
    text = render_to_string(f"emails/{name}/body.txt", context)
    html = render_to_string(f"emails/{name}/body.html", context)
    message = PromptEmail(subject, text, to=[to], headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message


@dataclass(frozen=True)
class Links:
    """The app's absolute links that every prompt email carries; built once per batch (``reverse`` is not free)."""

    checkin: str
    appreciations: str
    preferences: str
    unsubscribe: str
    # A prompt's subject depends on its wording only: rendered once per batch and wording.
    subjects: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def build(cls) -> Links:
        site = settings.SITE_URL
        return cls(
            checkin=site + reverse("daily:checkin"),
            appreciations=site + reverse("exercises:appreciations"),
            preferences=site + reverse("daily:preferences"),
            unsubscribe=site + reverse("daily:unsubscribe"),
        )

    def unsubscribe_for(self, user_id: int) -> str:
        return f"{self.unsubscribe}?{urlencode({'token': unsubscribe_token(user_id)})}"

    def subject_for(self, name: str, copy: Copy) -> str:
        if (name, copy) not in self.subjects:
            context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, "copy": copy}
            self.subjects[name, copy] = render_subject(name, context)
        return self.subjects[name, copy]


def _prompt_headers(delivery: Delivery, unsubscribe: str) -> dict:
    return {
        "Message-ID": delivery.message_id,
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def _prompt_context(*, user, copy: Copy, link: str, links: Links) -> tuple[dict, str]:
    unsubscribe = links.unsubscribe_for(user.pk)
    return {
        "name": user.get_short_name(),
        "copy": {"subject": copy.subject, "body": copy.body},  # a dict: the fastest lookup for templates
        "link": link,
        "preferences_url": links.preferences,
        "unsubscribe_url": unsubscribe,
    }, unsubscribe


def checkin_prompt(*, delivery: Delivery, user, copy: Copy, links: Links | None = None) -> PromptEmail:
    links = links or Links.build()
    context, unsubscribe = _prompt_context(user=user, copy=copy, link=links.checkin, links=links)
    subject = links.subject_for("checkin_prompt", copy)
    return compose(
        "checkin_prompt", user.email, context, headers=_prompt_headers(delivery, unsubscribe), subject=subject
    )


def appreciation_prompt(
    *, delivery: Delivery, user, copy: Copy, starter: Starter, partner_name: str, links: Links | None = None
) -> PromptEmail:
    links = links or Links.build()
    link = f"{links.appreciations}?{urlencode({'idea': starter.kind})}"
    context, unsubscribe = _prompt_context(user=user, copy=copy, link=link, links=links)
    context |= {"starter": {"kind": starter.kind, "text": starter.text}, "partner_name": partner_name or "your partner"}
    subject = links.subject_for("appreciation_prompt", copy)
    return compose(
        "appreciation_prompt", user.email, context, headers=_prompt_headers(delivery, unsubscribe), subject=subject
    )


def prompt_message(
    *, delivery: Delivery, user, copy: Copy, starter: Starter, partner_name: str, links: Links | None = None
) -> PromptEmail:
    if delivery.kind == PromptKind.APPRECIATION:
        return appreciation_prompt(
            delivery=delivery, user=user, copy=copy, starter=starter, partner_name=partner_name, links=links
        )
    return checkin_prompt(delivery=delivery, user=user, copy=copy, links=links)


def appreciation_received(*, recipient, sender_name: str) -> PromptEmail:
    """Only that something arrived and from whom: the words themselves stay in the app."""
    unsubscribe = unsubscribe_url(recipient.pk)
    context = {
        "name": recipient.get_short_name(),
        "sender_name": sender_name,
        "link": settings.SITE_URL + reverse("exercises:appreciations"),
        "preferences_url": settings.SITE_URL + reverse("daily:preferences"),
        "unsubscribe_url": unsubscribe,
    }
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    return compose("appreciation_received", recipient.email, context, headers=headers)
