"""The benchmark's own parts: seeding due users across 30+ zones, removing them, counting honestly at the sink."""

import smtplib

import pytest

from accounts.models import Couple, User
from exercises.daily import delivery
from exercises.models import Delivery, Notification
from trustrepair.bench.prompts import seed
from trustrepair.bench.prompts.sink import SinkProcess, message_id_of


@pytest.mark.django_db
def test_seeded_users_span_many_zones_are_all_due_and_are_removed_cleanly(partner_a):
    zones = seed.seed(90)
    assert len(zones) >= seed.MIN_ZONES
    assert seed.bench_users().values("time_zone").distinct().count() >= seed.MIN_ZONES
    assert len(delivery.claim_due()) == 90  # every one of them, in one tick
    delivery.deliveries_send(list(Delivery.objects.values_list("pk", flat=True)))
    assert Notification.objects.count() == 90

    assert seed.clear() == 90
    assert not seed.bench_users().exists() and not Delivery.objects.exists() and not Notification.objects.exists()
    assert Couple.objects.count() == 0
    assert User.objects.filter(pk=partner_a.pk).exists()  # nobody else is touched


def test_the_sink_counts_every_message_and_never_merges_repeats():
    sink = SinkProcess().start()
    try:
        client = smtplib.SMTP("127.0.0.1", sink.port)
        for message_id in ("<a@x.example>", "<b@x.example>", "<a@x.example>"):
            client.sendmail("from@x.example", ["to@x.example"], f"Message-ID: {message_id}\r\n\r\nhi\r\n".encode())
        client.quit()
    finally:
        final = sink.stop()
    assert (final["received"], final["distinct"], final["duplicates"]) == (3, 2, 1)
    assert final["repeated_ids"] == ["<a@x.example>"]


def test_a_folded_message_id_header_is_still_read():
    assert (
        message_id_of(b"Subject: x\r\nMessage-ID:\r\n <long.id@example.test>\r\n\r\nbody") == "<long.id@example.test>"
    )
