"""The couple-data cache (accounts/couple_cache.py): every write shows at once, nothing crosses people or couples."""

import html

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch.dispatcher import _make_id
from django.test import Client
from django.urls import reverse

from accounts import couple_cache
from accounts.models import Couple, Membership
from accounts.services import onboarding
from accounts.therapists import services as therapist_services
from exercises.models import Appreciation, Module, Recommendation
from exercises.progress import progress_for
from exercises.services import appreciations
from tests.couple.conftest import onboard
from tests.exercises.factories import ExerciseFactory, ModuleFactory, StepFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Models of the project's apps that belong to one person and have no path to a couple: each one is
# either shown on a couple's cached pages (then it is in ``couple_cache.PERSON_OWNED`` and bumps
# the person's couples) or listed here with the reason it needs no bump. A new model of that kind
# fails ``test_every_person_owned_model_is_decided`` until someone decides.
NOT_ON_CACHED_PAGES = {
    "accounts.User": "names and log-ins: pages read the people fresh (couple_for), never from the cache",
    "accounts.DataExport": "the data page reads exports fresh",
    "accounts.SupportResource": "support content, read fresh",
    "accounts.TherapistProfile": "the therapist's own profile, read fresh",
    "exercises.Module": "curriculum: its own version (CONTENT_MODELS)",
    "exercises.Exercise": "curriculum: its own version (CONTENT_MODELS)",
    "exercises.Step": "curriculum: its own version (CONTENT_MODELS)",
    "exercises.PromptPreference": "prompt settings, read fresh",
    "exercises.AppreciationStarter": "content, read fresh",
    "exercises.PromptCopy": "content, read fresh",
    "exercises.Delivery": "the prompt ledger, read fresh",
    "exercises.Notification": "the unread count: a per-person version of its own (accounts/page_cache.py)",
}


def text(response) -> str:
    return html.unescape(response.content.decode())


def dashboard(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("couple:dashboard"))
    assert response.status_code == 200
    return text(response)


def receivers_for(signal, model) -> set:
    return {key[0] for key, *_ in signal.receivers if key[1] == _make_id(model)}


def test_every_couple_owned_model_bumps_on_save_and_delete():
    owned = couple_cache.couple_owned_models()
    labels = {model._meta.label for model in owned}
    # The search follows foreign keys of any depth: answers reach the couple through response and run.
    assert {
        "accounts.Couple",
        "accounts.Membership",
        "accounts.OnboardingResponse",
        "accounts.FractureAnswer",
        "accounts.Consent",
        "exercises.Run",
        "exercises.Response",
        "exercises.Answer",
        "exercises.CheckIn",
        "exercises.Appreciation",
        "exercises.Recommendation",
        "exercises.AgreementCheck",
    } <= labels
    for model in owned:
        uid = f"couple_cache_{model._meta.label_lower}"
        assert uid + "_save" in receivers_for(post_save, model), model
        assert uid + "_delete" in receivers_for(post_delete, model), model
    for label in couple_cache.PERSON_OWNED:
        model = apps.get_model(label)
        assert f"couple_cache_{model._meta.label_lower}_save" in receivers_for(post_save, model)
        assert f"couple_cache_{model._meta.label_lower}_delete" in receivers_for(post_delete, model)


def test_every_person_owned_model_is_decided():
    owned = couple_cache.couple_owned_models()
    undecided = []
    for app_label in couple_cache.PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            label = model._meta.label
            if model in owned or label in couple_cache.PERSON_OWNED or label in NOT_ON_CACHED_PAGES:
                continue
            undecided.append(label)
    assert undecided == [], "Decide for each: couple_cache.PERSON_OWNED, or NOT_ON_CACHED_PAGES with a reason"


def test_a_write_to_each_kind_of_row_bumps_the_couple(couple, partner_a, partner_b):
    before = couple_cache.versions(couple.pk)[0]
    appreciation = appreciations.appreciation_send(
        couple=couple, sender=partner_a, kind=Appreciation.Kind.values[0], text="Thank you", visibility="couple"
    )
    after_save = couple_cache.versions(couple.pk)[0]
    assert after_save > before
    appreciation.delete()
    assert couple_cache.versions(couple.pk)[0] > after_save


def test_a_row_reached_through_other_rows_bumps_its_couple(couple, partner_a):
    onboarding_response = onboard(couple, partner_a)
    before = couple_cache.versions(couple.pk)[0]
    fracture = onboarding_response.fractures.get()
    fracture.role = "both"
    fracture.save()  # FractureAnswer -> response -> couple
    assert couple_cache.versions(couple.pk)[0] > before


def test_the_partners_new_action_shows_on_the_next_request(couple, partner_a, partner_b):
    assert "new appreciation" not in dashboard(partner_b)  # now cached for B
    appreciations.appreciation_send(
        couple=couple, sender=partner_a, kind=Appreciation.Kind.values[0], text="Thank you", visibility="couple"
    )
    assert "1 new appreciation from your partner" in dashboard(partner_b)
    # Opening the page marks them seen with a queryset update (no signal): the dashboard follows at once.
    client = Client()
    client.force_login(partner_b)
    assert client.get(reverse("exercises:appreciations")).status_code == 200
    assert "new appreciation" not in dashboard(partner_b)


def test_onboarding_of_the_partner_shows_at_once(couple, partner_a, partner_b):
    assert "Their onboarding answers" in dashboard(partner_a)
    onboard(couple, partner_b, roles={"dishonesty": "caused"})
    assert "Their onboarding answers" not in dashboard(partner_a)
    assert progress_for(couple=couple, user=partner_a).roles == {partner_b.pk: {"caused"}}


def test_per_person_values_never_reach_the_partner(couple, partner_a, partner_b):
    # A has done the private safety check (through the service), B has not: each one's "waiting for you" is their own.
    onboarding.safety_check_save(user=partner_a, couple=couple, afraid_of_partner="no", threats_or_violence="no")
    first_a, first_b = dashboard(partner_a), dashboard(partner_b)
    second_a, second_b = dashboard(partner_a), dashboard(partner_b)  # served from the cache
    for page in (first_a, second_a):
        assert "A short private safety check" not in page
    for page in (first_b, second_b):
        assert "A short private safety check" in page
    version = couple_cache.versions(couple.pk)[0]
    key_a = couple_cache.couple_key("dashboard", couple.pk, version, partner_a.pk)
    key_b = couple_cache.couple_key("dashboard", couple.pk, version, partner_b.pk)
    assert key_a != key_b
    assert cache.get(key_a)["safety_done"] is True and cache.get(key_b)["safety_done"] is False


def test_another_couples_values_are_never_served(couple, other_couple, partner_a, outsider):
    appreciations.appreciation_send(
        couple=couple, sender=partner_a, kind=Appreciation.Kind.values[0], text="Thank you", visibility="couple"
    )
    # Same version numbers in both couples' keys must still not meet: the couple id is in every key.
    assert couple_cache.couple_key("progress", couple.pk, 7) != couple_cache.couple_key("progress", other_couple.pk, 7)
    assert "new appreciation" not in dashboard(outsider)
    partner = other_couple.partner_of(outsider)
    assert "new appreciation" not in dashboard(partner)


def test_a_dismissed_recommendation_leaves_at_once(couple, partner_a, partner_b):
    module = ModuleFactory(slug="cache-module", order=1)
    exercise = ExerciseFactory(module=module, slug="cache-exercise", title="Cache Exercise Title", status="published")
    StepFactory(exercise=exercise)
    therapist = UserFactory(verified=True, email="therapist-cache@example.test", display_name="Dr Cache")
    recommendation = Recommendation.objects.create(couple=couple, therapist=therapist, exercise=exercise)
    assert "Suggested by your therapist" in dashboard(partner_a)
    therapist_services.recommendation_dismiss(recommendation=recommendation, partner=partner_b)
    assert "Suggested by your therapist" not in dashboard(partner_a)


def test_a_staff_edit_of_an_exercise_shows_at_once(couple, partner_a):
    module = ModuleFactory(slug="m-edit", order=0, unlock_rule=Module.Unlock.OPEN)
    exercise = ExerciseFactory(module=module, slug="e-edit", title="The first title", status="published")
    StepFactory(exercise=exercise)
    client = Client()
    client.force_login(partner_a)
    assert "The first title" in text(client.get(reverse("exercises:index")))
    exercise.title = "A title staff just wrote"
    exercise.save()
    assert "A title staff just wrote" in text(client.get(reverse("exercises:index")))


def test_leaving_the_couple_shows_at_once(couple, partner_a, partner_b):
    assert partner_b.get_short_name() in dashboard(partner_a)
    from accounts.services import leaving

    leaving.couple_leave(couple=couple, user=partner_b)
    assert not Membership.objects.filter(couple=couple, left_at__isnull=True).exists()
    page = dashboard(partner_a)
    assert partner_b.get_short_name() not in page


def test_a_lost_version_never_meets_an_old_value(couple):
    version = couple_cache.versions(couple.pk)[0]
    cache.set(couple_cache.couple_key("progress", couple.pk, version), {"stale": True})
    cache.delete(f"tr:couple:{couple.pk}:v")  # evicted
    assert couple_cache.versions(couple.pk)[0] != version
    couple_cache.bump_couples([couple.pk])
    assert couple_cache.versions(couple.pk)[0] != version
    assert Couple.objects.filter(pk=couple.pk).exists()


def test_the_one_statement_reads_what_the_orm_reads(partner_a, partner_b):
    """The couple's facts in one SQL statement (PostgreSQL) equal the ORM's definition, on a couple with everything."""
    from exercises.progress import _couple_facts_orm, _couple_facts_sql
    from tests.data.conftest import build_world

    world = build_world(partner_a, partner_b)
    assert _couple_facts_sql(world.couple) == _couple_facts_orm(world.couple)
    assert _couple_facts_orm(world.couple)["responses"]  # the world has something in every corner


def test_reading_together_equals_reading_one_by_one(partner_a, partner_b, monkeypatch):
    """``read_together`` in one round trip gives what each selector gives alone, for each partner."""
    from accounts.selectors import _flow_parts
    from tests.data.conftest import build_world
    from trustrepair import querybatch

    world = build_world(partner_a, partner_b)
    for user in (world.a, world.b):
        together = querybatch.read_together(_flow_parts(world.couple, user))
        alone = {name: querybatch._one_by_one(kind, qs) for name, (kind, qs) in _flow_parts(world.couple, user).items()}
        assert together == alone


def test_the_partners_check_in_shows_at_once_and_a_private_one_never(couple, partner_a, partner_b):
    from exercises.daily.services import checkin_save

    assert "safety 3 · trust 9" not in dashboard(partner_a)  # A's week is now cached
    checkin_save(user=partner_b, couple=couple, mood="calm", safety=3, trust=9, need="", share="ratings")
    assert "safety 3 · trust 9" in dashboard(partner_a)
    checkin_save(user=partner_b, couple=couple, mood="calm", safety=2, trust=8, need="", share="nothing")
    page = dashboard(partner_a)
    assert "safety 3 · trust 9" not in page and "safety 2 · trust 8" not in page
    assert "safety 2 · trust 8" in dashboard(partner_b)  # B's own week shows it to B


def test_a_check_in_bumps_only_the_check_in_version_and_shows_at_once(couple, partner_a, partner_b):
    from exercises.daily import services as daily_services

    assert "safety 7" not in dashboard(partner_a)  # now cached for A
    data_before = couple_cache.versions(couple.pk)[0]
    checkins = couple_cache.couple_version_key(couple.pk, "checkins")
    checkins_before = couple_cache.read_versions([checkins])[checkins]
    daily_services.checkin_save(user=partner_b, couple=couple, mood="calm", safety=7, trust=6, need="", share="ratings")
    assert couple_cache.versions(couple.pk)[0] == data_before  # progress and the rest stay cached
    assert couple_cache.read_versions([checkins])[checkins] > checkins_before
    assert "safety 7" in dashboard(partner_a)


def test_safety_mode_hides_the_partners_cached_check_ins_at_once(couple, partner_a, partner_b):
    from exercises.daily import services as daily_services

    daily_services.checkin_save(user=partner_b, couple=couple, mood="calm", safety=7, trust=6, need="", share="ratings")
    assert "safety 7" in dashboard(partner_a)
    onboarding.safety_check_save(user=partner_b, couple=couple, afraid_of_partner="yes", threats_or_violence="no")
    couple.refresh_from_db()
    assert couple.safety_mode
    assert "safety 7" not in dashboard(partner_a)
