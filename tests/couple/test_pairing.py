import html
import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Couple, Invitation, Membership
from accounts.scoping import couple_for
from accounts.services import pairing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"https?://[^\s\"<>]+/join/[A-Za-z0-9_\-]+/")
CONFIRM_RE = re.compile(r"https?://[^\s\"<>]+/accounts/confirm-email/[^\s\"<>]+/")


def test_partner_creates_space_and_is_its_only_member(client, partner_a):
    client.force_login(partner_a)
    response = client.post(reverse("couple:create"))
    assert response.status_code == 302
    couple = couple_for(partner_a)
    assert couple is not None and couple.partners() == [partner_a]
    # A second "start" does not make a second space.
    client.post(reverse("couple:create"))
    assert Membership.objects.filter(user=partner_a, left_at__isnull=True).count() == 1


def test_pairing_by_email_link_through_sign_up_lands_paired(client, partner_a, mailoutbox):
    couple = pairing.couple_create(user=partner_a)
    client.force_login(partner_a)
    response = client.post(reverse("couple:invite_email"), {"email": "newcomer@example.test"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    invite_mail = mailoutbox[0]
    assert invite_mail.to == ["newcomer@example.test"]
    assert partner_a.display_name in invite_mail.subject
    html = invite_mail.alternatives[0].content
    link = LINK_RE.search(invite_mail.body).group(0)
    assert link in html

    newcomer = Client()
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = newcomer.get("/" + path)
    assert page.status_code == 200
    assert partner_a.display_name in page.content.decode()

    signup = newcomer.post(
        reverse("account_signup"),
        {
            "display_name": "Newcomer",
            "email": "newcomer@example.test",
            "password1": "a-long-and-quiet-river",
            "password2": "a-long-and-quiet-river",
            "time_zone": "Asia/Kolkata",
        },
    )
    assert signup.status_code == 302
    confirm_link = CONFIRM_RE.search(mailoutbox[-1].body).group(0)
    confirm_path = "/" + confirm_link.split("://", 1)[1].split("/", 1)[1]
    assert newcomer.post(confirm_path).status_code == 302

    couple.refresh_from_db()
    assert {p.email for p in couple.partners()} == {partner_a.email, "newcomer@example.test"}
    dashboard = newcomer.get(reverse("couple:dashboard"))
    assert partner_a.display_name in dashboard.content.decode()
    # The link is single-use.
    assert Invitation.objects.get(couple=couple).status == "used"


def test_pairing_by_code_ignores_case_and_dashes(client, partner_a, partner_b):
    couple = pairing.couple_create(user=partner_a)
    invitation = pairing.invitation_create_code(couple=couple, inviter=partner_a)
    assert len(invitation.code) == 8
    typed = f" {invitation.code[:4].lower()}-{invitation.code[4:]} "
    client.force_login(partner_b)
    response = client.post(reverse("couple:join_code"), {"code": typed})
    assert response.status_code == 302
    assert couple_for(partner_b) == couple
    assert couple_for(partner_a).is_complete


def test_unverified_person_cannot_accept(client, partner_a):
    couple = pairing.couple_create(user=partner_a)
    invitation = pairing.invitation_create_code(couple=couple, inviter=partner_a)
    unverified = UserFactory()
    client.force_login(unverified)
    response = client.post(reverse("couple:join_code"), {"code": invitation.code})
    assert response.status_code == 409
    assert "confirm your email" in html.unescape(response.content.decode())
    assert couple_for(unverified) is None


@pytest.mark.django_db(transaction=True)
def test_two_people_accepting_one_invitation_at_once_exactly_one_wins(partner_a):
    couple = pairing.couple_create(user=partner_a)
    invitation = pairing.invitation_create_code(couple=couple, inviter=partner_a)
    racers = [UserFactory(verified=True) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    bodies: list[str] = []

    def accept(user):
        try:
            client = Client()
            client.force_login(user)
            barrier.wait(timeout=10)
            response = client.post(reverse("couple:join_code"), {"code": invitation.code})
            statuses.append(response.status_code)
            bodies.append(html.unescape(response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(user,)) for user in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [302, 409]
    loser_body = bodies[statuses.index(409)]
    assert "already been used" in loser_body or "just used by someone else" in loser_body
    assert Membership.objects.filter(couple=couple).count() == 2
    assert sum(couple_for(user) is not None for user in racers) == 1


class TestBadInvitations:
    def _code(self, partner_a):
        couple = pairing.couple_create(user=partner_a)
        return couple, pairing.invitation_create_code(couple=couple, inviter=partner_a)

    def test_expired_code(self, client, partner_a, partner_b):
        _, invitation = self._code(partner_a)
        client.force_login(partner_b)
        with time_machine.travel(timezone.now() + timedelta(hours=73)):
            response = client.post(reverse("couple:join_code"), {"code": invitation.code})
        assert response.status_code == 409
        assert "expired" in html.unescape(response.content.decode())
        assert couple_for(partner_b) is None

    def test_used_code(self, client, partner_a, partner_b, outsider):
        _, invitation = self._code(partner_a)
        pairing.invitation_accept(invitation=invitation, user=partner_b)
        client.force_login(outsider)
        response = client.post(reverse("couple:join_code"), {"code": invitation.code})
        assert response.status_code == 409
        assert "already been used" in html.unescape(response.content.decode())
        assert partner_a.display_name not in html.unescape(response.content.decode())

    def test_revoked_code(self, client, partner_a, partner_b):
        _, invitation = self._code(partner_a)
        client.force_login(partner_a)
        assert client.post(reverse("couple:invitation_revoke", args=[invitation.pk])).status_code == 302
        client.force_login(partner_b)
        response = client.post(reverse("couple:join_code"), {"code": invitation.code})
        assert response.status_code == 409
        assert "withdrawn" in html.unescape(response.content.decode())

    @pytest.mark.parametrize("typed", ["ABCD", "NOPE-NOPE", "", "ÄÖÜ-ßßßß", "x" * 20])
    def test_mistyped_code_keeps_what_was_typed(self, client, partner_b, typed):
        client.force_login(partner_b)
        response = client.post(reverse("couple:join_code"), {"code": typed})
        assert response.status_code == 400
        body = html.unescape(response.content.decode())
        assert 'class="field__errors"' in body
        if typed:
            assert f'value="{typed}"' in body

    def test_unknown_code_of_the_right_shape(self, client, partner_b):
        client.force_login(partner_b)
        response = client.post(reverse("couple:join_code"), {"code": "KKKK-MMMM"})
        assert response.status_code == 400
        assert "don't recognise that code" in html.unescape(response.content.decode())

    def test_own_code(self, client, partner_a):
        _, invitation = self._code(partner_a)
        client.force_login(partner_a)
        response = client.post(reverse("couple:join_code"), {"code": invitation.code})
        assert response.status_code == 409
        assert "your own invitation" in html.unescape(response.content.decode())

    def test_someone_who_is_already_paired_cannot_accept(self, client, partner_a, other_couple, outsider):
        _, invitation = self._code(partner_a)
        client.force_login(outsider)
        response = client.post(reverse("couple:join_code"), {"code": invitation.code})
        assert response.status_code == 409
        assert "already have a couple space" in html.unescape(response.content.decode())

    def test_unknown_or_garbage_link_is_404_without_hints(self, client):
        response = client.get("/join/not-a-real-token/")
        assert response.status_code == 404
        assert "cannot be used" in html.unescape(response.content.decode())

    def test_inviting_yourself(self, client, partner_a, mailoutbox):
        pairing.couple_create(user=partner_a)
        client.force_login(partner_a)
        response = client.post(reverse("couple:invite_email"), {"email": partner_a.email.upper()})
        assert response.status_code == 400
        assert "your own address" in html.unescape(response.content.decode())
        assert mailoutbox == []

    def test_inviting_an_address_that_is_already_paired(self, client, partner_a, other_couple, outsider, mailoutbox):
        pairing.couple_create(user=partner_a)
        client.force_login(partner_a)
        response = client.post(reverse("couple:invite_email"), {"email": outsider.email})
        assert response.status_code == 400
        assert "already has a couple space" in html.unescape(response.content.decode())
        assert f'value="{outsider.email}"' in html.unescape(response.content.decode())
        assert mailoutbox == []

    def test_invalid_email_address(self, client, partner_a):
        pairing.couple_create(user=partner_a)
        client.force_login(partner_a)
        response = client.post(reverse("couple:invite_email"), {"email": "not an address"})
        assert response.status_code == 400
        assert 'value="not an address"' in html.unescape(response.content.decode())

    def test_code_guessing_is_rate_limited(self, client, partner_b):
        client.force_login(partner_b)
        statuses = [client.post(reverse("couple:join_code"), {"code": "KKKK-MMMM"}).status_code for _ in range(12)]
        assert statuses[:10] == [400] * 10
        assert statuses[-1] == 429


def test_full_couple_cannot_invite_more(client, couple, partner_a):
    client.force_login(partner_a)
    response = client.post(reverse("couple:invite_code"), follow=True)
    assert "already joined" in html.unescape(response.content.decode())
    assert not Invitation.objects.filter(couple=couple).pending().exists()


def test_accepting_revokes_the_couples_other_invitations(partner_a, partner_b):
    couple = pairing.couple_create(user=partner_a)
    first = pairing.invitation_create_code(couple=couple, inviter=partner_a)
    second = pairing.invitation_create_code(couple=couple, inviter=partner_a)
    pairing.invitation_accept(invitation=first, user=partner_b)
    second.refresh_from_db()
    assert second.status == "revoked"
    assert Couple.objects.for_user(partner_b).get() == couple
