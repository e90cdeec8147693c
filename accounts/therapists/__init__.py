"""Therapist review: verified therapists, both partners' consent, read-only couple views, the access log.

Layout (HackSoftware style): ``access`` (scopes and the access-log writer, used
by the door in ``accounts.scoping``), ``services`` (every change, under
``transaction.atomic``), the reads (``readable``: what a therapist may ever read;
``caseload``; ``couple_review``: one couple's page; ``couple_side``: the couple's
own view of links and recommendations), ``charts`` (server-side SVG),
``forms``, ``views`` (therapist side, /therapist/) and ``couple_views``
(couple side, /couple/therapist/).
"""
