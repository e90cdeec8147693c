"""The daily rhythm's emails: one function per email, each a subject/text/HTML trio under templates/emails/<name>/.

Links go into the app, where the log-in page stands in front of them: no mail
ever carries a log-in token. Prompt emails carry a one-click unsubscribe link
and the RFC 8058 headers, so a mail client's own "unsubscribe" button works.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from exercises.models import Delivery, PromptKind

from .copy import Copy, Starter
from .mime import PromptEmail
from .tokens import unsubscribe_token, unsubscribe_url


def render_subject(name: str, context: dict) -> str:
    return " ".join(render_to_string(f"emails/{name}/subject.txt", context).split())


def render_bodies(name: str, context: dict) -> tuple[str, str]:
    return render_to_string(f"emails/{name}/body.txt", context), render_to_string(f"emails/{name}/body.html", context)


def compose(
    name: str,
    to: str,
    context: dict,
    *,
    headers: dict | None = None,
    subject: str | None = None,
    bodies: tuple[str, str] | None = None,
) -> PromptEmail:
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = render_subject(name, context) if subject is None else subject
    text, html = render_bodies(name, context) if bodies is None else bodies
    message = PromptEmail(subject, text, to=[to], headers=headers or {})
    message.attach_alternative(html, "text/html")
    return message


# The values that differ from one person to the next in a prompt email; everything else is shared by a batch.
PERSONAL = ("name", "unsubscribe_url", "partner_name")
_UNSET = object()


class BodyCache:
    """Prompt bodies for a batch: the templates rendered once per shared context, each person's values filled in.

    A batch is hundreds of emails whose templates differ only in a few
    personal values, and rendering both templates is a third of a worker's CPU
    per message. So the first message of each shared context is rendered in
    full *and* as a shell (markers in place of the personal values), the two
    are compared, and later messages fill their values into the shell: raw in
    the text part, HTML-escaped in the HTML part, exactly as the template's
    autoescaping would. Should a template ever transform a personal value (a
    filter, a condition on it) the comparison fails and that context is
    rendered in full for everyone; so is a message with an empty personal value.
    """

    def __init__(self):
        # Letters and digits only: they pass autoescaping and ``linebreaks`` unchanged.
        self.token = secrets.token_hex(8)
        self.shells: dict[tuple, tuple[str, str] | None] = {}

    def marker(self, key: str) -> str:
        return f"zq{self.token}{key.replace('_', '')}qz"

    def fill(self, shell: tuple[str, str], personal: dict) -> tuple[str, str]:
        text, html = shell
        for key, value in personal.items():
            text = text.replace(self.marker(key), value)
            html = html.replace(self.marker(key), escape(value))
        return text, html

    def bodies(self, name: str, context: dict) -> tuple[str, str]:
        context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
        personal = {key: str(context[key]) for key in PERSONAL if key in context}
        if not all(personal.values()):
            return render_bodies(name, context)
        key = (name, _frozen({k: v for k, v in context.items() if k not in PERSONAL}))
        shell = self.shells.get(key, _UNSET)
        if shell is _UNSET:
            full = render_bodies(name, context)
            shell = render_bodies(name, context | {k: self.marker(k) for k in personal})
            self.shells[key] = shell if self.fill(shell, personal) == full else None
            return full
        return render_bodies(name, context) if shell is None else self.fill(shell, personal)


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    return value


@dataclass(frozen=True)
class Links:
    """What every prompt email of a batch shares: the app's absolute links (``reverse`` is not free), the
    rendered subjects and the body shells (``BodyCache``). Built once per batch."""

    checkin: str
    appreciations: str
    preferences: str
    unsubscribe: str
    progress: str
    subjects: dict = field(default_factory=dict, compare=False, hash=False)
    bodies: BodyCache = field(default_factory=BodyCache, compare=False, hash=False)

    @classmethod
    def build(cls) -> Links:
        site = settings.SITE_URL
        return cls(
            checkin=site + reverse("daily:checkin"),
            appreciations=site + reverse("exercises:appreciations"),
            preferences=site + reverse("daily:preferences"),
            unsubscribe=site + reverse("daily:unsubscribe"),
            progress=site + reverse("insights:progress"),
        )

    def unsubscribe_for(self, user_id: int) -> str:
        return f"{self.unsubscribe}?{urlencode({'token': unsubscribe_token(user_id)})}"

    def subject_for(self, name: str, copy: Copy) -> str:
        """A prompt's subject depends on its wording only."""
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
    return compose(
        "checkin_prompt",
        user.email,
        context,
        headers=_prompt_headers(delivery, unsubscribe),
        subject=links.subject_for("checkin_prompt", copy),
        bodies=links.bodies.bodies("checkin_prompt", context),
    )


def appreciation_prompt(
    *, delivery: Delivery, user, copy: Copy, starter: Starter, partner_name: str, links: Links | None = None
) -> PromptEmail:
    links = links or Links.build()
    link = f"{links.appreciations}?{urlencode({'idea': starter.kind})}"
    context, unsubscribe = _prompt_context(user=user, copy=copy, link=link, links=links)
    context |= {"starter": {"kind": starter.kind, "text": starter.text}, "partner_name": partner_name or "your partner"}
    return compose(
        "appreciation_prompt",
        user.email,
        context,
        headers=_prompt_headers(delivery, unsubscribe),
        subject=links.subject_for("appreciation_prompt", copy),
        bodies=links.bodies.bodies("appreciation_prompt", context),
    )


def prompt_message(
    *, delivery: Delivery, user, copy: Copy, starter: Starter, partner_name: str, links: Links | None = None
) -> PromptEmail:
    if delivery.kind == PromptKind.APPRECIATION:
        return appreciation_prompt(
            delivery=delivery, user=user, copy=copy, starter=starter, partner_name=partner_name, links=links
        )
    return checkin_prompt(delivery=delivery, user=user, copy=copy, links=links)


def weekly_summary(*, delivery: Delivery, user, copy: Copy, links: Links, summary: dict) -> PromptEmail:
    """One person's week (``weekly.summary_context``): rendered in full, since no two people's weeks are alike."""
    context, unsubscribe = _prompt_context(user=user, copy=copy, link=links.progress, links=links)
    context |= summary
    return compose(
        "weekly_summary",
        user.email,
        context,
        headers=_prompt_headers(delivery, unsubscribe),
        subject=links.subject_for("weekly_summary", copy),
    )


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
