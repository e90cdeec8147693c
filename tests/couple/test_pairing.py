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

from accounts.models import Couple, Invitation, Membership, User
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
        reverse("account_signup") + "?next=/" + path,  # as the invitation page's "Create an account" link
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
    confirmed = newcomer.post(confirm_path, follow=True)
    # Confirming the address joins nothing: it leads back to the invitation, where the person presses Join.
    assert confirmed.redirect_chain[-1][0] == "/" + path
    assert [p.email for p in Couple.objects.get(pk=couple.pk).partners()] == [partner_a.email]
    assert "Join " in confirmed.content.decode()
    assert newcomer.post("/" + path).status_code == 302

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

    def test_the_answer_never_tells_whether_an_address_has_an_account_or_a_couple(
        self, client, partner_a, other_couple, outsider, unpaired, mailoutbox
    ):
        """Paired, unpaired or unknown: the same redirect and the same words, and an invitation is sent."""
        pairing.couple_create(user=partner_a)
        client.force_login(partner_a)
        answers = set()
        for address in (outsider.email, unpaired.email, "nobody-yet@example.test"):
            response = client.post(reverse("couple:invite_email"), {"email": address}, follow=True)
            assert response.status_code == 200
            page = html.unescape(response.content.decode())
            answers.add((response.redirect_chain[-1][0], "Invitation sent." in page, "couple space" in page))
        assert len(answers) == 1
        assert [m.to for m in mailoutbox] == [[outsider.email], [unpaired.email], ["nobody-yet@example.test"]]
        # The paired person who opens it is told, there, what stands in the way.
        client.force_login(outsider)
        path = "/" + LINK_RE.search(mailoutbox[0].body).group(0).split("://", 1)[1].split("/", 1)[1]
        assert "leave yours first" in html.unescape(client.get(path).content.decode())

    def test_invitation_emails_are_limited_per_sender_and_per_address(self, client, partner_a, mailoutbox):
        from accounts.models import Couple

        per_address = 5
        pairing.couple_create(user=partner_a)
        client.force_login(partner_a)
        for _ in range(per_address):
            assert client.post(reverse("couple:invite_email"), {"email": "target@example.test"}).status_code == 302
        response = client.post(reverse("couple:invite_email"), {"email": "target@example.test"})
        assert response.status_code == 429
        assert 'value="target@example.test"' in response.content.decode()
        assert len(mailoutbox) == per_address
        # Another sender cannot go on mailing the same address either.
        other = UserFactory(verified=True)
        pairing.couple_create(user=other)
        client.force_login(other)
        assert client.post(reverse("couple:invite_email"), {"email": "target@example.test"}).status_code == 429
        for n in range(10):
            client.post(reverse("couple:invite_email"), {"email": f"person{n}@example.test"})
        assert client.post(reverse("couple:invite_email"), {"email": "last@example.test"}).status_code == 429
        assert Couple.objects.count() == 2

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


def _emailed_invitation(partner_a, mailoutbox, to="invited@example.test") -> tuple[object, str]:
    couple = pairing.couple_create(user=partner_a)
    pairing.invitation_send_by_email(couple=couple, inviter=partner_a, email=to)
    link = LINK_RE.search(mailoutbox[-1].body).group(0)
    return couple, "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_opening_a_link_then_signing_up_with_another_address_pairs_nobody(partner_a, mailoutbox):
    couple, path = _emailed_invitation(partner_a, mailoutbox)
    browser = Client()
    assert browser.get(path).status_code == 200  # only opened, never accepted
    browser.post(
        reverse("account_signup"),
        {
            "display_name": "Someone Else",
            "email": "someone-else@example.test",
            "password1": "a-long-and-quiet-river",
            "password2": "a-long-and-quiet-river",
            "time_zone": "Europe/Berlin",
        },
    )
    confirm_link = CONFIRM_RE.search(mailoutbox[-1].body).group(0)
    browser.post("/" + confirm_link.split("://", 1)[1].split("/", 1)[1])
    someone = User.objects.get(email="someone-else@example.test")
    assert couple_for(someone) is None
    # Pressing Join from the other address is refused too, calmly.
    response = browser.post(path)
    assert response.status_code == 409
    assert "sent to a different email address" in html.unescape(response.content.decode())
    assert couple_for(someone) is None
    assert Invitation.objects.get(couple=couple).status == "pending"


def test_a_get_of_the_link_by_the_invited_person_joins_nothing(client, partner_a, mailoutbox):
    invited = UserFactory(verified=True, email="invited@example.test")
    couple, path = _emailed_invitation(partner_a, mailoutbox)
    client.force_login(invited)
    assert client.get(path).status_code == 200
    assert couple_for(invited) is None
    assert client.post(path).status_code == 302
    assert couple_for(invited) == couple
