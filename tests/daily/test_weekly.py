"""The weekly summary: once per person and week at their own local time, what it says, and what it never says.

The schedule tests move the clock with time-machine in 5-minute beats over ten
days that contain a DST change and claim twice at every beat (a second tick at
the same moment), checking every weekly row they create.
"""

import datetime as dt
import html
import itertools
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.services import leaving
from exercises.daily import delivery, weekly
from exercises.daily.copy import DEFAULT_COPY
from exercises.models import (
    Agreement,
    AgreementCheck,
    Appreciation,
    CheckIn,
    CoupleQuietWindow,
    Delivery,
    Notification,
    PromptKind,
    PromptPreference,
    Question,
    Ritual,
    RitualDone,
    Run,
    Weekday,
)
from tests.couple.conftest import MARKER, pair
from tests.daily.conftest import at_once_in_two_connections, due_now
from tests.daily.test_delivery import html_of, parsed, text_of
from tests.daily.test_scheduling import ceil_to_beat, expected_instant, tick_through
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from tests.helpers import protect

UTC = dt.UTC
WEEKLY = PromptKind.WEEKLY_SUMMARY
DAYS = 10
Status = Delivery.Status


def weekly_rows(**filters):
    return Delivery.objects.filter(kind=WEEKLY, **filters)


# --- Once per person and week, at the chosen local time -------------------------------------------

# (zone, weekday, time); None: no preference row at all (the defaults, Sunday 18:00, with the daily prompts on).
# 02:30 on a Sunday is repeated in Berlin on 25 October and skipped in New York on 8 March; Kolkata is +05:30
# and Chatham +12:45/+13:45; midnight and five to midnight test the edges of the local day.
PEOPLE = [
    ("Europe/Berlin", Weekday.SUNDAY, dt.time(2, 30)),
    ("America/New_York", Weekday.SUNDAY, dt.time(2, 30)),
    ("Europe/Berlin", Weekday.SATURDAY, dt.time(18, 0)),
    ("America/New_York", None, None),
    ("Asia/Kolkata", Weekday.MONDAY, dt.time(0, 0)),
    ("Pacific/Chatham", Weekday.FRIDAY, dt.time(23, 55)),
]
WINDOWS = {
    # The EU falls back on Sunday 25 October 2026.
    "eu-autumn": dt.datetime(2026, 10, 20, 0, 0, tzinfo=UTC),
    # The US springs forward on Sunday 8 March 2026.
    "us-spring": dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC),
}


def _people():
    users = []
    for index, (zone, day, at) in enumerate(PEOPLE):
        user = UserFactory(verified=True, time_zone=zone, email=f"weekly{index}@example.test")
        if day is not None:
            PromptPreference.objects.create(
                user=user,
                checkin_enabled=False,
                appreciation_enabled=False,
                weekly_summary_day=day,
                weekly_summary_time=at,
            )
        users.append(user)
    for first, second in zip(users[::2], users[1::2], strict=True):
        pair(first, second)
    return users


@pytest.mark.django_db
@pytest.mark.parametrize("window", list(WINDOWS))
def test_ten_days_of_double_ticks_claim_one_summary_per_person_and_week_at_its_local_time(window):
    start = WINDOWS[window]
    end = start + dt.timedelta(days=DAYS)
    users = _people()
    claimed_at = tick_through(start, end, ticks=2)  # two ticks at every beat

    checked = 0
    for user, (zone, day, at) in zip(users, PEOPLE, strict=True):
        day = day or Weekday.SUNDAY
        at = at or dt.time(18, 0)
        tz = zoneinfo.ZoneInfo(zone)
        rows = list(weekly_rows(user=user).order_by("local_date"))
        # Only ever on the chosen weekday, and never two within a week.
        assert all(row.local_date.isoweekday() == day for row in rows), zone
        assert all(b.local_date - a.local_date >= dt.timedelta(days=7) for a, b in itertools.pairwise(rows)), zone
        expected = []
        first_day = start.astimezone(tz).date()
        for offset in range(DAYS + 1):
            local_date = first_day + dt.timedelta(days=offset)
            due = expected_instant(zone, local_date, at)
            if local_date.isoweekday() == day and start <= due and ceil_to_beat(due, start) < end:
                expected.append((local_date, due))
        assert [(row.local_date, row.due_at) for row in rows] == expected, zone
        for row, (_, due) in zip(rows, expected, strict=True):
            # Claimed at the first beat at or after the chosen local time, on that local day.
            assert claimed_at[row.pk] == ceil_to_beat(due, start), (zone, row.local_date)
            local_claim = claimed_at[row.pk].astimezone(tz)
            assert local_claim.date() == row.local_date and local_claim.time() >= at
            checked += 1
    assert checked >= len(PEOPLE)  # everyone's week came round at least once


@pytest.mark.django_db
def test_the_dst_sunday_itself_is_handled_whichever_way_the_clock_moves():
    berlin = UserFactory(verified=True, time_zone="Europe/Berlin")
    york = UserFactory(verified=True, time_zone="America/New_York")
    pair(berlin, york)
    for user in (berlin, york):
        PromptPreference.objects.create(
            user=user,
            checkin_enabled=False,
            appreciation_enabled=False,
            weekly_summary_day=Weekday.SUNDAY,
            weekly_summary_time=dt.time(2, 30),
        )
    # Berlin, 25 October 2026: 02:30 happens twice (CEST, then CET). Once, the first time.
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin")).astimezone(UTC)
    with time_machine.travel(first, tick=False) as traveller:
        assert [row.user for row in weekly_rows(pk__in=delivery.claim_due())] == [berlin]
        traveller.move_to(first + dt.timedelta(hours=1))  # 02:30 again, on the wall
        assert delivery.claim_due() == []
    # New York, 8 March 2026: 02:30 never shows; the summary goes when the clock jumps to 03:00.
    with time_machine.travel(dt.datetime(2026, 3, 8, 6, 59, tzinfo=UTC), tick=False) as traveller:  # 01:59 EST
        assert delivery.claim_due() == []
        traveller.move_to(dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC))  # 03:00 EDT
        claimed = delivery.claim_due()
    row = weekly_rows(pk__in=claimed).get()
    assert row.user == york and row.local_date == dt.date(2026, 3, 8)
    assert row.due_at == dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_moving_the_day_does_not_make_two_summaries_in_one_week(partner_a, partner_b, prompts_off):
    PromptPreference.objects.filter(user=partner_a).update(
        weekly_summary_enabled=True, weekly_summary_day=Weekday.SUNDAY, weekly_summary_time=dt.time(18, 0)
    )
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    pair(partner_a, partner_b)
    with time_machine.travel(dt.datetime(2026, 6, 7, 18, 1, tzinfo=berlin), tick=False) as traveller:  # a Sunday
        assert len(delivery.claim_due()) == 1
        # The next morning they choose Monday evenings: the first Monday summary is the one a week on.
        PromptPreference.objects.filter(user=partner_a).update(weekly_summary_day=Weekday.MONDAY)
        traveller.move_to(dt.datetime(2026, 6, 8, 18, 1, tzinfo=berlin))
        assert delivery.claim_due() == []
        traveller.move_to(dt.datetime(2026, 6, 15, 18, 1, tzinfo=berlin))
        assert len(delivery.claim_due()) == 1
    assert list(weekly_rows(user=partner_a).values_list("local_date", flat=True).order_by("local_date")) == [
        dt.date(2026, 6, 7),
        dt.date(2026, 6, 15),
    ]


@pytest.mark.django_db
def test_a_summary_more_than_the_catch_up_window_late_waits_for_next_week(partner_a, partner_b, prompts_off):
    pair(partner_a, partner_b)
    PromptPreference.objects.filter(user=partner_a).update(
        weekly_summary_enabled=True, weekly_summary_day=Weekday.SUNDAY, weekly_summary_time=dt.time(18, 0)
    )
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    # The scheduler was down from Sunday 17:00 to 21:30: three and a half hours late is too late.
    with time_machine.travel(dt.datetime(2026, 6, 7, 21, 30, tzinfo=berlin), tick=False) as traveller:
        assert delivery.claim_due() == []
        traveller.move_to(dt.datetime(2026, 6, 8, 18, 0, tzinfo=berlin))  # not carried over to Monday
        assert delivery.claim_due() == []
        traveller.move_to(dt.datetime(2026, 6, 14, 20, 45, tzinfo=berlin))  # next Sunday, 2 h 45 late: still sent
        assert [row.local_date for row in weekly_rows(pk__in=delivery.claim_due())] == [dt.date(2026, 6, 14)]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(dt.datetime(2026, 6, 7, 10, 0, tzinfo=UTC), tick=False)  # a Sunday afternoon or evening
def test_two_ticks_in_two_connections_at_the_same_moment_claim_each_summary_once():
    people = [UserFactory(verified=True, time_zone=zone) for zone in ["Asia/Kolkata", "Pacific/Chatham"] * 4]
    for first, second in zip(people[::2], people[1::2], strict=True):
        pair(first, second)
    for person in people:
        due_now(person, kinds=("weekly_summary",))
    claimed = at_once_in_two_connections(delivery.claim_due)
    assert not set(claimed[0]) & set(claimed[1])
    assert len(claimed[0]) + len(claimed[1]) == len(people) == weekly_rows().count()


# --- Who gets nothing -------------------------------------------------------------------------------


def _skip_left(partner_a, partner_b, couple):
    leaving.couple_leave(couple=couple, user=partner_b)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(
            lambda a, b, c: PromptPreference.objects.filter(user=a).update(weekly_summary_enabled=False), id="opted-out"
        ),
        pytest.param(lambda a, b, c: type(a).objects.filter(pk=a.pk).update(prompts_paused=True), id="paused-all"),
        pytest.param(
            lambda a, b, c: PromptPreference.objects.filter(user=a).update(
                paused_until=timezone.now().date() + dt.timedelta(days=2)
            ),
            id="paused-until",
        ),
        pytest.param(_skip_left, id="partner-left"),
        pytest.param(
            lambda a, b, c: PromptPreference.objects.filter(user=a).update(
                email_enabled=False, email_unsubscribed_at=timezone.now(), inapp_enabled=False
            ),
            id="unsubscribed-and-no-in-app",
        ),
    ],
)
def test_the_tick_claims_no_summary_for_someone_who_must_get_none(setup, couple, partner_a, partner_b, prompts_off):
    due_now(partner_a, kinds=("weekly_summary",))
    setup(partner_a, partner_b, couple)
    assert delivery.claim_due() == []


@pytest.mark.django_db
def test_opting_out_after_the_claim_sends_nothing(couple, partner_a, partner_b, prompts_off, mailoutbox):
    due_now(partner_a, kinds=("weekly_summary",))
    ids = delivery.claim_due()
    PromptPreference.objects.filter(user=partner_a).update(weekly_summary_enabled=False)
    outcome = delivery.deliveries_send(ids)
    assert outcome.as_dict()["skipped"] == 1 and mailoutbox == []
    assert not Notification.objects.exists()


# --- What it says -------------------------------------------------------------------------------------

SHARED_NEED = "ZQX-SHARED-NEED-4419"
LOVING_WORDS = '<b>Thank you</b> for Tuesday & "the walk"'


@pytest.fixture
def known_week(couple, partner_a, partner_b, prompts_off):
    """A week (Berlin, Monday 1 to Sunday 7 June 2026) with known activity, and private things around it."""
    partner_b.display_name = 'Blake <script>alert("b")</script>'
    partner_b.save()
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    sunday = dt.date(2026, 6, 7)
    mid_week = dt.datetime(2026, 6, 3, 12, 0, tzinfo=berlin)
    for text in (LOVING_WORDS, "You stayed."):
        Appreciation.objects.create(
            couple=couple, sender=partner_b, recipient=partner_a, kind="effort", text=text, created_at=mid_week
        )
    # Before the week (Sunday 31 May, 23:30 in Berlin) and the one A sent: not "received".
    Appreciation.objects.create(
        couple=couple,
        sender=partner_b,
        recipient=partner_a,
        kind="effort",
        text="Last week",
        created_at=dt.datetime(2026, 5, 31, 23, 30, tzinfo=berlin),
    )
    Appreciation.objects.create(
        couple=couple, sender=partner_a, recipient=partner_b, kind="admiration", text="Brave", created_at=mid_week
    )
    agreement = Agreement.objects.create(
        couple=couple, proposed_by=partner_a, category="money", text="Share statements", status="accepted"
    )
    for kept, day in ((True, 2), (True, 4), (False, 5)):
        AgreementCheck.objects.create(
            agreement=agreement,
            logged_by=partner_a,
            kept=kept,
            occurred_on=dt.date(2026, 6, day),
            confirmed_by=partner_b,
            confirmed_at=mid_week,
        )
    ritual = Ritual.objects.create(couple=couple, created_by=partner_a, what="Morning coffee")
    for day in (1, 6, 7):
        RitualDone.objects.create(ritual=ritual, marked_by=partner_b, done_on=dt.date(2026, 6, day))
    for day in (2, 3, 5):
        CheckIn.objects.create(
            user=partner_a, couple=couple, local_date=dt.date(2026, 6, day), mood="calm", safety=6, trust=5
        )
    # The partner's check-ins: one kept private, one shared in full. Neither may show, nor be counted.
    for day, mood, need, share in ((4, "sad", MARKER, "nothing"), (5, "angry", SHARED_NEED, "everything")):
        CheckIn.objects.create(
            user=partner_b,
            couple=couple,
            local_date=dt.date(2026, 6, day),
            mood=mood,
            safety=1,
            trust=1,
            need=need,
            share=share,
        )
    Run.objects.create(couple=couple, exercise=ExerciseFactory(title="Naming it"), revealed_at=mid_week)
    Run.objects.create(couple=couple, exercise=ExerciseFactory(title="Not yet"))  # not revealed
    Question.objects.create(couple=couple, asker=partner_b, text="Where were you on Friday?")
    Question.objects.create(couple=couple, asker=partner_b, text=MARKER, visibility="private")
    PromptPreference.objects.filter(user=partner_a).update(
        weekly_summary_enabled=True, weekly_summary_day=Weekday.SUNDAY, weekly_summary_time=dt.time(18, 0)
    )
    return dt.datetime(2026, 6, 7, 18, 2, tzinfo=berlin), sunday


def _send_week(when, mailoutbox):
    with time_machine.travel(when, tick=False):
        ids = delivery.claim_due()
        assert delivery.deliveries_send(ids).as_dict() == {"sent": 1, "failed": 0, "skipped": 0, "retry": 0}
    assert len(mailoutbox) == 1
    return mailoutbox[0]


@pytest.mark.django_db
def test_the_summary_counts_the_known_week(known_week, couple, partner_a):
    _, sunday = known_week
    summary = weekly.summary_for(couple=couple, user=partner_a, end=sunday)
    assert (summary.start, summary.end) == (dt.date(2026, 6, 1), sunday)
    assert summary.went_well == [
        'You sent Blake <script>alert("b")</script> an appreciation.',
        "You finished an exercise together.",
        "An agreement between you was kept 2 times.",
        "You kept a ritual together on 3 days.",
        "You checked in with yourself on 3 days.",
    ]
    assert summary.received == 2  # the one before the week, and the one A sent, are not counted
    # The partner's private question is neither counted nor named.
    assert summary.waiting[0] == ("1 question waiting for your answer", reverse("exercises:questions"))
    assert not summary.quiet


@pytest.mark.django_db
def test_the_email_says_it_gently_escapes_names_and_keeps_private_things_out(
    known_week, partner_a, partner_b, mailoutbox
):
    when, _ = known_week
    message = _send_week(when, mailoutbox)
    text, body = text_of(message), html_of(message)
    assert message.to == [partner_a.email]
    assert message.subject == DEFAULT_COPY[WEEKLY].subject
    assert "Your week, 1 June to 7 June" in text
    assert "You checked in with yourself on 3 days." in text
    assert 'Blake <script>alert("b")</script> sent you 2 appreciations this week.' in text
    # In HTML the partner's name is text, never markup.
    assert "<script>" not in body and "Blake &lt;script&gt;alert(&quot;b&quot;)&lt;/script&gt;" in body
    # The words of appreciations stay in the app; the partner's check-ins and private writing never come near.
    for secret in (MARKER, SHARED_NEED, "Thank you", "You stayed", "Where were you", "sad", "angry"):
        assert secret not in text and secret not in body and secret not in html.unescape(body), secret
    assert "http://127.0.0.1:8000" + reverse("exercises:questions") in text
    assert f'href="http://127.0.0.1:8000{reverse("insights:progress")}"' in body
    # The same one-click unsubscribe as every prompt.
    head = parsed(message)
    assert head["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://127\.0\.0\.1:8000/unsubscribe/\?token=[^>]+>", str(head["List-Unsubscribe"]))
    assert head["Message-ID"] == Delivery.objects.get(user=partner_a, kind=WEEKLY).message_id
    # One notice in the app, pointing at the progress page; nothing for the partner.
    notice = Notification.objects.get(user=partner_a)
    assert notice.kind == "weekly_summary" and notice.url == reverse("insights:progress")
    assert notice.title == DEFAULT_COPY[WEEKLY].subject
    assert not Notification.objects.filter(user=partner_b).exists()


@pytest.mark.django_db
def test_protection_changes_nothing_the_summary_could_watch(known_week, couple, partner_b, mailoutbox):
    protect(partner_b)
    message = _send_week(known_week[0], mailoutbox)
    assert SHARED_NEED not in text_of(message) and MARKER not in text_of(message)


@pytest.mark.django_db
def test_a_quiet_week_gets_a_kind_line_and_no_list_of_zeros(couple, partner_a, prompts_off, mailoutbox):
    when = dt.datetime(2026, 6, 7, 18, 2, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    PromptPreference.objects.filter(user=partner_a).update(
        weekly_summary_enabled=True, weekly_summary_day=Weekday.SUNDAY, weekly_summary_time=dt.time(18, 0)
    )
    message = _send_week(when, mailoutbox)
    text = text_of(message)
    assert weekly.QUIET_WEEK in text and weekly.NOTHING_WAITING in text
    assert "What went well" not in text and " 0 " not in text
    for word in ("streak", "missed", "failed", "only"):
        assert word not in text.lower()


@pytest.mark.django_db
def test_the_couple_s_quiet_time_holds_the_summary_back_that_week(couple, partner_a, prompts_off, mailoutbox):
    when = dt.datetime(2026, 6, 7, 18, 2, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    PromptPreference.objects.filter(user=partner_a).update(
        weekly_summary_enabled=True, weekly_summary_day=Weekday.SUNDAY, weekly_summary_time=dt.time(18, 0)
    )
    CoupleQuietWindow.objects.create(couple=couple, starts=dt.time(17, 0), ends=dt.time(20, 0), set_by=partner_a)
    with time_machine.travel(when, tick=False):
        outcome = delivery.deliveries_send(delivery.claim_due())
    assert outcome.as_dict()["skipped"] == 1 and mailoutbox == [] and not Notification.objects.exists()
    assert weekly_rows().get().last_error == "couple quiet time"


@pytest.mark.django_db
def test_in_app_only_when_email_is_off(couple, partner_a, prompts_off, mailoutbox):
    due_now(partner_a, kinds=("weekly_summary",), email_enabled=False)
    delivery.deliveries_send(delivery.claim_due())
    assert mailoutbox == []
    assert Notification.objects.get(user=partner_a).kind == "weekly_summary"


# --- Choosing it in the preferences ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_preferences_page_offers_the_summary_with_labels_and_its_defaults(client, partner_a):
    client.force_login(partner_a)
    content = client.get(reverse("daily:preferences")).content.decode()
    assert "<legend" in content and ">Weekly summary</legend>" in content
    for name, label in (
        ("weekly_summary_enabled", "Weekly summary"),
        ("weekly_summary_day", "Day of the week"),
        ("weekly_summary_time", "Summary time"),
    ):
        assert re.search(rf'<label[^>]*for="id_{name}"[^>]*>\s*{label}', content), name
    assert re.search(r'<input[^>]*name="weekly_summary_enabled"[^>]*checked', content)
    assert re.search(r'<option value="7"[^>]*selected>Sunday</option>', content)
    assert re.search(
        r'name="weekly_summary_time"[^>]*value="18:00"|value="18:00"[^>]*name="weekly_summary_time"', content
    )


@pytest.mark.django_db
def test_choosing_a_day_and_time_and_opting_out(client, partner_a):
    from tests.daily.test_views import PREFS

    client.force_login(partner_a)
    response = client.post(
        reverse("daily:preferences"), PREFS | {"weekly_summary_day": "3", "weekly_summary_time": "07:05"}
    )
    assert response.status_code == 302
    pref = PromptPreference.objects.get(user=partner_a)
    assert (pref.weekly_summary_enabled, pref.weekly_summary_day, pref.weekly_summary_time) == (
        True,
        Weekday.WEDNESDAY,
        dt.time(7, 5),
    )
    opted_out = {key: value for key, value in PREFS.items() if key != "weekly_summary_enabled"}
    assert client.post(reverse("daily:preferences"), opted_out).status_code == 302
    pref.refresh_from_db()
    assert not pref.weekly_summary_enabled
    # A weekly summary alone still needs a way to reach the person.
    only_weekly = {
        "weekly_summary_enabled": "on",
        "weekly_summary_day": "7",
        "weekly_summary_time": "18:00",
        "checkin_time": "08:00",
        "appreciation_time": "19:00",
    }
    response = client.post(reverse("daily:preferences"), only_weekly)
    assert response.status_code == 400 and "at least one way" in response.content.decode()
    assert re.search(r'<option value="7"[^>]*selected>Sunday</option>', response.content.decode())


@pytest.mark.django_db
def test_the_export_holds_the_summary_settings(partner_a):
    from accounts.data.export import collect

    PromptPreference.objects.create(
        user=partner_a, weekly_summary_day=Weekday.FRIDAY, weekly_summary_time=dt.time(9, 0)
    )
    prefs = collect(partner_a)["prompt_preferences"]
    assert (prefs["weekly_summary"], prefs["weekly_summary_day"], prefs["weekly_summary_time"]) == (
        True,
        "Friday",
        dt.time(9, 0),
    )
