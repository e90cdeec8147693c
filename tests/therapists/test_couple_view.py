"""The therapist's page for one couple: each scope shows its part, and nothing private ever appears."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import TherapistNote
from exercises.models import ModuleUnlock, Recommendation
from tests.therapists.conftest import SECRET, SHARED
from tests.therapists.helpers import link

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def page(client, couple):
    return client.get(reverse("therapist:couple", args=[couple.pk]))


def test_with_every_scope_the_therapist_sees_all_that_was_shared_and_nothing_else(tclient, planted, linked):
    response = page(tclient, planted)
    assert response.status_code == 200
    body = text_of(response)
    for shared in (
        f"A's answer {SHARED}",  # revealed, marked couple + therapist
        f"sorry {SHARED}",  # statement version marked for the therapist
        f"asked {SHARED}",
        f"answered {SHARED}",  # the answer to a shared question
        f"saved {SHARED}",  # saved for the therapist
        f"answered saved {SHARED}",
        f"thanks {SHARED}",
    ):
        assert shared in body, shared
    assert SECRET not in body
    # Ratings, never mood or need.
    assert "anxious" not in body.lower() and "hopeful" not in body.lower()
    # Agreements: counts, not their words.
    assert "Contact with others" in body


@pytest.mark.parametrize("url_name", ["therapist:couple", "therapist:caseload"])
def test_private_writing_safety_answers_and_onboarding_never_reach_the_therapist(tclient, planted, linked, url_name):
    url = reverse(url_name, args=[planted.pk]) if url_name == "therapist:couple" else reverse(url_name)
    body = text_of(tclient.get(url))
    assert SECRET not in body
    assert "safety " + SECRET not in body


def test_check_in_trends_use_only_ratings_the_partners_let_through(tclient, planted, linked, partner_a, partner_b):
    body = text_of(page(tclient, planted))
    trends = body[body.index('id="trends"') : body.index('id="writing"')]
    # A's visible check-in (6/5) and B's (8/7); A's therapist-hidden 1/1 and B's private 2/2 are left out.
    rows = re.findall(r'Felt safety">(\d+)</td><td data-label="Trust">(\d+)<', trends)
    assert sorted(rows) == [("6", "5"), ("8", "7")]
    # The onboarding baselines (2/1 and 9/9) are no point of any trend: one day each, too few for a chart.
    assert "<svg" not in trends
    assert trends.count("has shared 1 day of check-ins in the last 8 weeks") == 2
    assert trends.count("A chart of how things move appears here after 2 more days of check-ins") == 2


def test_three_days_of_ratings_draw_the_chart(tclient, planted, linked, partner_a):
    from exercises.models import CheckIn

    today = timezone.localdate()
    for days_ago in (2, 3):
        CheckIn.objects.create(
            user=partner_a, couple=planted, local_date=today - timedelta(days=days_ago), mood="calm", safety=5, trust=5
        )
    body = text_of(page(tclient, planted))
    trends = body[body.index('id="trends"') : body.index('id="writing"')]
    assert trends.count("<svg") == 1  # A has three days; B still one
    assert "after 2 more days" in trends


def test_scopes_limit_the_page_to_what_both_allowed(client, planted, therapist, partner_a, partner_b):
    link(planted, therapist, consents={partner_a: {"progress": True, "writing": True}, partner_b: {"progress": True}})
    client.force_login(therapist)
    body = text_of(page(client, planted))
    assert 'id="progress"' in body
    assert 'id="trends"' not in body  # neither allowed trends
    assert 'id="writing"' not in body  # only A allowed writing: the intersection has none
    assert SHARED not in body


def test_trends_only(client, planted, therapist, partner_a, partner_b):
    link(planted, therapist, trends=True)
    client.force_login(therapist)
    body = text_of(page(client, planted))
    assert 'id="trends"' in body
    assert 'id="progress"' not in body and 'id="writing"' not in body
    assert "Both finished" not in body and "Complete" not in body  # the timeline and statuses are progress


def test_progress_shows_modules_exercises_timeline_and_agreement_counts(tclient, planted, linked):
    body = text_of(page(tclient, planted))
    progress = body[body.index('id="progress"') : body.index('id="trends"')]
    assert "Atone" in progress and "Attach" in progress
    assert "Naming it" in progress and "Complete" in progress
    assert "Both finished “Naming it”" in progress
    agreements = progress[progress.index('id="agreements"') :]
    kept_missed = re.findall(r'data-label="Kept">(\d+)</td>\s*<td data-label="Missed">(\d+)<', agreements)
    assert kept_missed == [("1", "1")]


def test_notes_are_private_to_the_therapist(client, tclient, planted, linked, partner_a, therapist):
    response = tclient.post(reverse("therapist:note_create", args=[planted.pk]), {"text": "Note ZZ-NOTE-MARKER"})
    assert response.status_code == 302
    note = TherapistNote.objects.get(couple=planted)
    assert note.therapist == therapist
    assert "ZZ-NOTE-MARKER" in text_of(page(tclient, planted))
    # Edit: the same row changes (notes are the therapist's own, not shared writing).
    tclient.post(reverse("therapist:note_edit", args=[planted.pk, note.pk]), {"text": "Edited ZZ-NOTE-MARKER"})
    note.refresh_from_db()
    assert note.text == "Edited ZZ-NOTE-MARKER" and note.updated_at > note.created_at

    client.force_login(partner_a)
    for url in (
        reverse("couple:dashboard"),
        reverse("couple_therapist:index"),
        reverse("couple_therapist:access_log"),
        reverse("couple:together"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "ZZ-NOTE-MARKER" not in text_of(response), url
    # A partner cannot reach the note's URLs either.
    assert client.get(reverse("therapist:couple", args=[planted.pk])).status_code == 404
    response = client.post(reverse("therapist:note_edit", args=[planted.pk, note.pk]), {"text": "hijack"})
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.text == "Edited ZZ-NOTE-MARKER"


def test_a_therapist_sees_only_their_own_notes(client, planted, linked, therapist):
    from tests.therapists.helpers import make_therapist

    colleague = make_therapist(display_name="Dr Other")
    link(planted, colleague)
    TherapistNote.objects.create(couple=planted, therapist=colleague, text="COLLEAGUE-NOTE")
    client.force_login(therapist)
    assert "COLLEAGUE-NOTE" not in text_of(page(client, planted))
    other_note = TherapistNote.objects.get(therapist=colleague)
    response = client.post(reverse("therapist:note_edit", args=[planted.pk, other_note.pk]), {"text": "mine now"})
    assert response.status_code == 404


def test_bad_note_is_refused_with_the_text_kept(tclient, planted, linked):
    too_long = "x" * 10001
    response = tclient.post(reverse("therapist:note_create", args=[planted.pk]), {"text": too_long})
    assert response.status_code == 400
    body = text_of(response)
    assert too_long in body
    assert "at most 10000" in body or "10000" in body
    assert SHARED not in body  # the error page shows no couple data
    response = tclient.post(reverse("therapist:note_create", args=[planted.pk]), {"text": "   "})
    assert response.status_code == 400
    assert not TherapistNote.objects.exists()


def test_a_double_submitted_note_is_saved_once(tclient, planted, linked):
    url = reverse("therapist:note_create", args=[planted.pk])
    tclient.post(url, {"text": "Same words"})
    tclient.post(url, {"text": "Same words"})
    assert TherapistNote.objects.count() == 1


def test_recommend_an_exercise_once_and_it_reaches_the_couple_selector(tclient, planted, linked, curriculum):
    from accounts.therapists.couple_side import recommendations_for

    url = reverse("therapist:recommend", args=[planted.pk])
    exercise = curriculum["second"]
    assert tclient.post(url, {"exercise": exercise.pk, "note": "Try this next"}).status_code == 302
    tclient.post(url, {"exercise": exercise.pk, "note": "Try this next"})
    assert Recommendation.objects.filter(couple=planted).count() == 1
    from exercises.progress import progress_for

    [recommendation] = recommendations_for(planted, progress_for(couple=planted, user=planted.partners()[0]))
    assert recommendation.exercise == exercise and recommendation.note == "Try this next"
    assert recommendation.therapist.therapist_profile.practice_name
    response = tclient.post(url, {"exercise": 999999})
    assert response.status_code == 400


def test_unlock_a_module_early(tclient, planted, linked, curriculum):
    url = reverse("therapist:unlock", args=[planted.pk])
    assert tclient.post(url, {"module": curriculum["attach"].pk}).status_code == 302
    assert tclient.post(url, {"module": curriculum["attach"].pk}).status_code == 302
    unlock = ModuleUnlock.objects.get(couple=planted)
    assert unlock.module == curriculum["attach"]
    from exercises.progress import progress_for

    assert progress_for(couple=planted, user=planted.partners()[0]).modules[1].unlocked


def test_a_linked_therapist_cannot_get_the_action_urls(tclient, planted, linked):
    for name in ("therapist:note_create", "therapist:recommend", "therapist:unlock"):
        assert tclient.get(reverse(name, args=[planted.pk])).status_code == 405


def test_recommendations_show_until_done_or_dismissed(
    client, planted, linked, curriculum, partner_a, partner_b, therapist
):
    from django.template.loader import render_to_string

    from accounts.therapists.couple_side import recommendations_for
    from accounts.therapists.services import recommend
    from exercises.progress import progress_for

    done = recommend(couple=planted, therapist=therapist, exercise=curriculum["reflection"])  # revealed already
    open_one = recommend(couple=planted, therapist=therapist, exercise=curriculum["second"], note="When you're ready")
    progress = progress_for(couple=planted, user=partner_a)
    items = recommendations_for(planted, progress)
    assert items == [open_one]  # the one already done is left out
    assert done in Recommendation.objects.filter(couple=planted, dismissed_at__isnull=True)
    html_out = render_to_string("couple_therapist/_recommendations.html", {"recommendations": items})
    assert "What it meant" in html_out and "When you&#x27;re ready" in html_out and "Dr Quinn" in html_out

    client.force_login(partner_b)
    response = client.post(reverse("couple_therapist:recommendation_dismiss", args=[open_one.pk]))
    assert response.status_code == 302
    assert recommendations_for(planted, progress) == []
    open_one.refresh_from_db()
    assert open_one.dismissed_at is not None
    # A therapist cannot dismiss on the couple's behalf.
    again = recommend(couple=planted, therapist=therapist, exercise=curriculum["third"])
    client.force_login(therapist)
    assert client.post(reverse("couple_therapist:recommendation_dismiss", args=[again.pk])).status_code == 403
