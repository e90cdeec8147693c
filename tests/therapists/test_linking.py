"""Linking a therapist (practice code or emailed invitation) and each partner's consent."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Consent, TherapistInvitation, TherapistLink
from accounts.therapists import services
from tests.therapists.helpers import link, make_therapist

pytestmark = pytest.mark.django_db

INVITE_RE = re.compile(r"https?://[^\s\"<>]+/therapist/invitations/[^\s\"<>]+/")


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def words_of(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text_of(response)).split())


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def couple_page(client, couple):
    return client.get(reverse("therapist:couple", args=[couple.pk]))


# --- Practice code -------------------------------------------------------------------


def test_a_partner_links_a_verified_therapist_with_the_practice_code(couple, partner_a, therapist):
    code = therapist.therapist_profile.practice_code
    client = as_user(partner_a)
    response = client.post(reverse("couple_therapist:code"), {"code": f"{code[:4].lower()}-{code[4:]}"})
    assert response.status_code == 302
    the_link = TherapistLink.objects.get(couple=couple)
    assert (the_link.therapist, the_link.origin, the_link.created_by) == (therapist, "code", partner_a)
    # Linked is not consented: nothing is shared yet.
    assert not Consent.objects.exists()
    assert couple_page(as_user(therapist), couple).status_code == 404
    # The same code again makes no second link.
    client.post(reverse("couple_therapist:code"), {"code": code})
    assert TherapistLink.objects.filter(couple=couple).count() == 1


@pytest.mark.parametrize("code", ["", "ABC", "ZZZZZZZZ"])
def test_a_wrong_practice_code_is_refused_next_to_the_field(couple, partner_a, therapist, code):
    response = as_user(partner_a).post(reverse("couple_therapist:code"), {"code": code})
    assert response.status_code == 400
    assert 'class="field__errors"' in response.content.decode()
    assert not TherapistLink.objects.exists()


def test_an_unverified_therapists_code_does_not_work(couple, partner_a):
    pending = make_therapist(verified=False)
    response = as_user(partner_a).post(
        reverse("couple_therapist:code"), {"code": pending.therapist_profile.practice_code}
    )
    assert response.status_code == 400
    assert "don't recognise" in text_of(response)


def test_guessing_practice_codes_is_rate_limited(couple, partner_a, therapist):
    client = as_user(partner_a)
    statuses = [client.post(reverse("couple_therapist:code"), {"code": "ZZZZ-ZZZZ"}).status_code for _ in range(12)]
    assert statuses[-1] == 429


# --- Emailed invitation -----------------------------------------------------------------


def test_invite_by_email_then_the_therapist_signs_up_and_accepts(couple, partner_a, mailoutbox):
    client = as_user(partner_a)
    response = client.post(reverse("couple_therapist:invite"), {"email": "New.Therapist@example.test"})
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == ["new.therapist@example.test"]
    assert partner_a.display_name in mail.subject
    link_url = INVITE_RE.search(mail.body).group(0)
    assert link_url in mail.alternatives[0].content
    path = "/" + link_url.split("://", 1)[1].split("/", 1)[1]

    # An account with that address, but no therapist profile yet: first the profile, then back to the invitation.
    from tests.factories import UserFactory

    newcomer = UserFactory(verified=True, email="new.therapist@example.test", display_name="Sam Doe")
    therapist_client = as_user(newcomer)
    response = therapist_client.get(path)
    assert response.status_code == 302 and response["Location"] == reverse("therapist:join")
    response = therapist_client.post(
        reverse("therapist:join"),
        {"display_name": "Dr Sam Doe", "practice_name": "Doe Practice", "licence_number": "L-1", "region": "Oslo"},
    )
    assert response.status_code == 302 and response["Location"] == path
    page = therapist_client.get(path)
    assert page.status_code == 200
    assert partner_a.display_name in text_of(page)
    assert therapist_client.post(path).status_code == 302
    the_link = TherapistLink.objects.get(couple=couple)
    assert (the_link.therapist, the_link.origin, the_link.invited_email) == (newcomer, "invited", mail.to[0])
    assert the_link.created_by == partner_a


def test_an_invitation_works_only_for_the_invited_address(couple, partner_a, therapist, mailoutbox):
    token = services.invitation_send(couple=couple, inviter=partner_a, email="someone-else@example.test")
    url = reverse("therapist:invitation", args=[token])
    client = as_user(therapist)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not TherapistLink.objects.exists()


def test_a_tampered_or_old_invitation_is_refused(couple, partner_a, therapist, mailoutbox):
    import time_machine

    token = services.invitation_send(couple=couple, inviter=partner_a, email=therapist.email)
    client = as_user(therapist)
    assert client.get(reverse("therapist:invitation", args=[token[:-2] + "xx"])).status_code == 404
    with time_machine.travel("2100-01-01"):
        client = as_user(therapist)
        assert client.post(reverse("therapist:invitation", args=[token])).status_code == 404
    assert not TherapistLink.objects.exists()


def test_inviting_your_own_address_is_refused(couple, partner_a, partner_b, mailoutbox):
    response = as_user(partner_a).post(reverse("couple_therapist:invite"), {"email": partner_b.email})
    assert response.status_code == 400
    assert "belongs to one of you" in text_of(response)
    assert not mailoutbox
    response = as_user(partner_a).post(reverse("couple_therapist:invite"), {"email": "not-an-address"})
    assert response.status_code == 400
    assert 'value="not-an-address"' in response.content.decode()


# --- Consent -----------------------------------------------------------------------------


def test_one_partners_consent_is_not_enough(couple, partner_a, partner_b, therapist):
    the_link = link(couple, therapist, consents={partner_a: {"progress": True, "trends": True, "writing": True}})
    client = as_user(therapist)
    assert couple_page(client, couple).status_code == 404
    assert couple.pk not in [c.pk for c in _caseload_couples(client)]
    services.consent_grant(link=the_link, partner=partner_b, progress=True, trends=False, writing=False)
    assert couple_page(client, couple).status_code == 200


def _caseload_couples(client):
    response = client.get(reverse("therapist:caseload"))
    return [row.couple for row in response.context["rows"]]


def test_consent_through_the_page_and_the_intersection_of_scopes(couple, partner_a, partner_b, therapist):
    the_link = link(couple, therapist, consents={})
    a, b = as_user(partner_a), as_user(partner_b)
    prefix = f"link{the_link.pk}"
    url = reverse("couple_therapist:consent", args=[the_link.pk])
    assert a.post(url, {f"{prefix}-progress": "on", f"{prefix}-trends": "on"}).status_code == 302
    assert b.post(url, {f"{prefix}-trends": "on", f"{prefix}-writing": "on"}).status_code == 302
    response = couple_page(as_user(therapist), couple)
    assert response.status_code == 200
    scopes = response.context["scopes"]
    assert (scopes.progress, scopes.trends, scopes.writing) == (False, True, False)

    # The couple sees each partner's scopes and since when, and the combined result.
    body = words_of(a.get(reverse("couple_therapist:index")))
    assert therapist.display_name in body and "Quiet Harbour Practice" in body
    assert "They see: check-in trends , since" in body
    assert "progress, check-in trends" in body  # A's row
    assert "check-in trends, shared writing" in body  # B's row


def test_a_consent_change_is_a_new_row_and_the_old_one_is_kept(couple, partner_a, partner_b, therapist):
    the_link = link(couple, therapist)
    first = Consent.objects.get(link=the_link, partner=partner_a)
    services.consent_grant(link=the_link, partner=partner_a, progress=True, trends=False, writing=False)
    first.refresh_from_db()
    assert first.revoked_at is not None and first.writing
    current = Consent.objects.get(link=the_link, partner=partner_a, revoked_at__isnull=True)
    assert (current.progress, current.trends, current.writing) == (True, False, False)
    # The same choice again is a no-op.
    services.consent_grant(link=the_link, partner=partner_a, progress=True, trends=False, writing=False)
    assert Consent.objects.filter(link=the_link, partner=partner_a).count() == 2


def test_a_consent_with_nothing_ticked_is_refused(couple, partner_a, therapist):
    the_link = link(couple, therapist, consents={})
    response = as_user(partner_a).post(reverse("couple_therapist:consent", args=[the_link.pk]), {})
    assert response.status_code == 400
    assert "at least one" in text_of(response)
    assert not Consent.objects.exists()


def test_revocation_takes_effect_on_the_very_next_request(couple, partner_a, partner_b, therapist):
    the_link = link(couple, therapist)
    therapist_client = as_user(therapist)
    assert couple_page(therapist_client, couple).status_code == 200
    assert as_user(partner_b).post(reverse("couple_therapist:revoke", args=[the_link.pk])).status_code == 302
    # Same client, same session, the very next request.
    assert couple_page(therapist_client, couple).status_code == 404
    assert therapist_client.get(reverse("therapist:caseload")).context["rows"] == []
    # A's consent stands; B can give consent again and access returns.
    services.consent_grant(link=the_link, partner=partner_b, progress=True, trends=False, writing=False)
    assert couple_page(therapist_client, couple).status_code == 200


def test_removing_the_therapist_ends_the_link_and_every_consent(couple, partner_a, therapist):
    the_link = link(couple, therapist)
    therapist_client = as_user(therapist)
    assert couple_page(therapist_client, couple).status_code == 200
    as_user(partner_a).post(reverse("couple_therapist:end", args=[the_link.pk]))
    the_link.refresh_from_db()
    assert the_link.ended_at is not None
    assert not Consent.objects.filter(link=the_link, revoked_at__isnull=True).exists()
    assert couple_page(therapist_client, couple).status_code == 404


def test_a_partner_leaving_shuts_the_therapist_out(couple, partner_a, therapist):
    from accounts.services import leaving

    link(couple, therapist)
    therapist_client = as_user(therapist)
    leaving.couple_leave(couple=couple, user=partner_a)
    assert couple_page(therapist_client, couple).status_code == 404


def test_another_couple_cannot_touch_this_couples_link(couple, other_couple, outsider, therapist):
    the_link = link(couple, therapist)
    client = as_user(outsider)
    for name in ("couple_therapist:consent", "couple_therapist:revoke", "couple_therapist:end"):
        assert client.post(reverse(name, args=[the_link.pk])).status_code == 404
    assert Consent.objects.filter(link=the_link, revoked_at__isnull=True).count() == 2


# --- Read-only therapists ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/couple/leave/",
        "/couple/start/",
        "/couple/therapist/invite/",
        "/couple/exercises/questions/",
        "/couple/exercises/appreciations/",
        "/couple/checkin/",
        "/couple/quiet-time/",
        "/join/some-invitation-token/",
    ],
)
def test_a_therapist_writing_to_partner_areas_gets_403(couple, therapist, url):
    link(couple, therapist)
    client = as_user(therapist)
    response = client.post(url, {"confirm": "on", "text": "x"})
    assert response.status_code == 403


def test_a_therapist_may_still_write_to_their_own_account_pages(couple, therapist):
    link(couple, therapist)
    response = as_user(therapist).post(reverse("daily:notifications_read_all"))
    assert response.status_code != 403


def test_a_therapist_who_is_also_a_partner_can_still_write_in_their_own_space(partner_a, therapist, mailoutbox):
    from tests.couple.conftest import pair

    pair(therapist, partner_a)
    client = as_user(therapist)
    response = client.post(reverse("couple_therapist:invite"), {"email": "their-own-therapist@example.test"})
    assert response.status_code == 302


def test_a_newcomer_signs_up_from_the_invitation_and_comes_back_to_it(couple, partner_a, mailoutbox):
    confirm_re = re.compile(r"https?://[^\s\"<>]+/accounts/confirm-email/[^\s\"<>]+/")
    token = services.invitation_send(couple=couple, inviter=partner_a, email="brand.new@example.test")
    url = reverse("therapist:invitation", args=[token])
    client = Client()
    login_url = client.get(url)["Location"]
    signup = re.findall(r'href="(/accounts/signup/\?next=[^"]*)"', client.get(login_url).content.decode())
    assert signup, "the login page offers sign-up that keeps the way back"
    client.post(
        html.unescape(signup[0]),
        {
            "display_name": "New",
            "email": "brand.new@example.test",
            "password1": "a-long-quiet-river-x",
            "password2": "a-long-quiet-river-x",
            "time_zone": "UTC",
        },
    )
    confirm = confirm_re.search(mailoutbox[-1].body).group(0)
    response = client.post("/" + confirm.split("://", 1)[1].split("/", 1)[1])
    assert response["Location"] == url
    assert client.get(url)["Location"] == reverse("therapist:join")
    response = client.post(
        reverse("therapist:join"),
        {"display_name": "Dr New", "practice_name": "P", "licence_number": "L", "region": "R"},
    )
    assert response["Location"] == url
    assert client.post(url).status_code == 302
    assert TherapistLink.objects.filter(couple=couple, therapist__email="brand.new@example.test").exists()


def test_the_couple_can_withdraw_an_invitation_and_its_link_stops_working(
    couple, partner_a, partner_b, therapist, mailoutbox
):
    token = services.invitation_send(couple=couple, inviter=partner_a, email=therapist.email)
    url = reverse("therapist:invitation", args=[token])
    page = text_of(as_user(partner_b).get(reverse("couple_therapist:index")))
    assert therapist.email in page and "Withdraw" in page  # either partner sees it and may withdraw it
    [invitation] = TherapistInvitation.objects.filter(couple=couple)
    response = as_user(partner_b).post(reverse("couple_therapist:invitation_withdraw", args=[invitation.pk]))
    assert response.status_code == 302
    assert therapist.email not in text_of(as_user(partner_a).get(reverse("couple_therapist:index")))
    client = as_user(therapist)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not TherapistLink.objects.exists()


def test_an_invitation_works_once_and_not_after_the_link_ended(couple, partner_a, therapist, mailoutbox):
    token = services.invitation_send(couple=couple, inviter=partner_a, email=therapist.email)
    url = reverse("therapist:invitation", args=[token])
    client = as_user(therapist)
    assert client.post(url).status_code == 302
    link = TherapistLink.objects.get(couple=couple, therapist=therapist)
    services.link_end(link=link, partner=partner_a)
    # The couple ended it: the same link does not let the therapist back in.
    assert client.post(url).status_code == 404
    assert not TherapistLink.objects.filter(ended_at__isnull=True).exists()


def test_removing_a_therapist_withdraws_a_second_unused_invitation(couple, partner_a, therapist, mailoutbox):
    first = services.invitation_send(couple=couple, inviter=partner_a, email=therapist.email)
    as_user(therapist).post(reverse("therapist:invitation", args=[first]))
    spare = services.invitation_send(couple=couple, inviter=partner_a, email=therapist.email)
    services.link_end(link=TherapistLink.objects.get(couple=couple), partner=partner_a)
    assert as_user(therapist).post(reverse("therapist:invitation", args=[spare])).status_code == 404
    assert not TherapistLink.objects.filter(ended_at__isnull=True).exists()


def test_an_outsider_cannot_withdraw_a_couples_invitation(couple, partner_a, other_partner, therapist, mailoutbox):
    services.invitation_send(couple=couple, inviter=partner_a, email=therapist.email)
    invitation = TherapistInvitation.objects.get(couple=couple)
    response = as_user(other_partner).post(reverse("couple_therapist:invitation_withdraw", args=[invitation.pk]))
    assert response.status_code == 404
    assert TherapistInvitation.objects.pending().filter(pk=invitation.pk).exists()
