import html

import pytest
from django.urls import reverse

from accounts.models import Couple
from accounts.scoping import couple_for
from accounts.services import pairing
from tests.couple.conftest import MARKER, onboard

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_leave_page_explains_what_happens(client, couple, partner_a, partner_b):
    client.force_login(partner_a)
    page = text(client.get(reverse("couple:leave")))
    assert "at once, for both of you" in page
    assert partner_b.display_name in page


def test_leaving_needs_the_confirmation_box(client, couple, partner_a):
    client.force_login(partner_a)
    response = client.post(reverse("couple:leave"), {})
    assert response.status_code == 400
    assert "tick the box" in text(response)
    assert Couple.objects.get(pk=couple.pk).ended_at is None


def test_leaving_closes_the_space_for_both_at_once(client, couple, partner_a, partner_b):
    onboard(couple, partner_a, other=f"A's words {MARKER}", roles={"other": "hurt"})
    onboard(couple, partner_b)
    client.force_login(partner_b)
    assert MARKER in text(client.get(reverse("couple:together")))

    client.force_login(partner_a)
    assert client.post(reverse("couple:leave"), {"confirm": "on"}).status_code == 302
    assert couple_for(partner_a) is None and couple_for(partner_b) is None

    client.force_login(partner_b)
    for name in ["couple:together", "couple:onboarding", "couple:leave", "couple:invite_code"]:
        response = client.get(reverse(name)) if name != "couple:invite_code" else client.post(reverse(name))
        assert response.status_code == 404, name
        assert MARKER not in text(response)
    dashboard = text(client.get(reverse("couple:dashboard")))
    assert "Your couple space has closed" in dashboard
    assert MARKER not in dashboard
    # The notice is neutral: no reason, no name of who left.
    assert partner_a.display_name not in dashboard.split("</header>", 1)[1]
    client.post(reverse("couple:dismiss_notice"))
    assert "has closed" not in text(client.get(reverse("couple:dashboard")))


def test_leaving_ends_pending_invitations(client, partner_a, partner_b):
    couple = pairing.couple_create(user=partner_a)
    invitation = pairing.invitation_create_code(couple=couple, inviter=partner_a)
    client.force_login(partner_a)
    client.post(reverse("couple:leave"), {"confirm": "on"})
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    client.force_login(partner_b)
    assert client.post(reverse("couple:join_code"), {"code": invitation.code}).status_code == 409


def test_after_leaving_both_can_start_again(client, couple, partner_a, partner_b):
    client.force_login(partner_b)
    client.post(reverse("couple:leave"), {"confirm": "on"})
    new_couple = pairing.couple_create(user=partner_a)
    assert new_couple != couple and couple_for(partner_a) == new_couple
