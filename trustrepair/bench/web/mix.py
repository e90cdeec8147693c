"""The request mix of ``bench_web``: each kind of request, its share, its URL and its route in the access log.

Partners' pages are requested with a partner's session; ``exercise`` is a
step-by-step exercise of the partner's own couple; ``checkin`` posts today's
check-in (created by the first post, updated by the next). ``caseload`` and
``therapist_couple`` are requested with a therapist's session, the couple
being one of the therapist's caseload that both partners consented to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.urls import NoReverseMatch, reverse

# Sends a signed-in partner's session (the same middleware work as the pages) / no cookie at all.
REFERENCE_KINDS = ("reference", "reference_anonymous")
REFERENCE_FALLBACK = "/bench/reference/"  # routed only in the server (settings.BENCH_ENDPOINTS)


@dataclass(frozen=True)
class Page:
    kind: str  # one word: the name in the sessions file, mix.lua and the summary line
    label: str
    weight: int  # share of the mix, in percent
    url_name: str
    method: str = "GET"
    per_person: bool = False  # the path depends on the person (reversed with arguments, not here)


PAGES = (
    Page("dashboard", "dashboard", 25, "couple:dashboard"),
    Page("exercise", "exercise page", 14, "exercises:detail", per_person=True),
    Page("exercises", "exercise list", 9, "exercises:index"),
    Page("checkin", "check-in post", 15, "daily:checkin", method="POST"),
    Page("progress", "progress", 7, "insights:progress"),
    Page("journey", "journey", 3, "insights:journey"),
    Page("questions", "questions log", 8, "exercises:questions"),
    Page("agreements", "agreements", 7, "exercises:agreements"),
    Page("caseload", "therapist caseload", 6, "therapist:caseload"),
    Page("therapist_couple", "therapist couple view", 6, "therapist:couple", per_person=True),
)
KINDS = tuple(page.kind for page in PAGES)
LABELS = {page.kind: page.label for page in PAGES} | {
    "reference": "reference",
    "reference_anonymous": "reference without a session",
}
THERAPIST_KINDS = ("caseload", "therapist_couple")
_PLACEHOLDER_SLUG, _PLACEHOLDER_ID = "bench-slug-placeholder", 987654321


def optional_url(name: str, *args) -> str | None:
    """The path of a URL another part of the app may or may not provide yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def reference_path() -> str:
    return optional_url("bench:reference") or REFERENCE_FALLBACK


def fixed_paths() -> dict[str, str | None]:
    """The path of each kind that is the same for everyone (None when the URL does not exist in this tree)."""
    return {page.kind: None if page.per_person else optional_url(page.url_name) for page in PAGES}


def available_weights() -> tuple[dict[str, int], list[str]]:
    """The mix, without the kinds whose URL this tree does not have (and their names)."""
    exists = {
        "exercise": optional_url("exercises:detail", _PLACEHOLDER_SLUG),
        "therapist_couple": optional_url("therapist:couple", _PLACEHOLDER_ID),
    }
    paths = fixed_paths() | exists
    weights = {page.kind: page.weight for page in PAGES if paths[page.kind]}
    missing = [page.kind for page in PAGES if not paths[page.kind]]
    return weights, missing


@cache
def _routes() -> tuple[dict[str, str], list[tuple[str, re.Pattern]]]:
    exact = {path: kind for kind, path in fixed_paths().items() if path}
    exact[reference_path()] = "reference"
    exact[optional_url("healthz") or "/healthz"] = "health"
    patterns = []
    for kind, name, placeholder, regex in (
        ("exercise", "exercises:detail", _PLACEHOLDER_SLUG, "[^/]+"),
        ("therapist_couple", "therapist:couple", str(_PLACEHOLDER_ID), "[0-9]+"),
    ):
        path = optional_url(name, placeholder)
        if path:
            head, _, tail = path.partition(placeholder)
            patterns.append((kind, re.compile(f"^{re.escape(head)}{regex}{re.escape(tail)}$")))
    return exact, patterns


def route_of(path: str) -> str:
    """The kind of request a path of the access log is ("other" for anything else)."""
    exact, patterns = _routes()
    if path in exact:  # fixed paths first: /couple/exercises/questions/ is not an exercise page
        return exact[path]
    return next((kind for kind, pattern in patterns if pattern.match(path)), "other")
