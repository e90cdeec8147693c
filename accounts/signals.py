"""Completing a pairing that started from an invitation link before the person had an account."""

from allauth.account.signals import email_confirmed
from django.contrib import messages
from django.dispatch import receiver

from accounts.services import pairing
from accounts.views.pairing import PENDING_INVITE_SESSION_KEY


@receiver(email_confirmed)
def join_pending_invitation(sender, request, email_address, **kwargs) -> None:
    token = request.session.pop(PENDING_INVITE_SESSION_KEY, None) if hasattr(request, "session") else None
    if not token:
        return
    invitation = pairing.invitation_by_token(token)
    if invitation is None:
        return
    try:
        pairing.invitation_accept(invitation=invitation, user=email_address.user)
    except pairing.PairingError as error:
        messages.info(request, str(error))
    else:
        messages.success(request, f"Welcome. You and {invitation.inviter.display_name} now share a couple space.")
