"""The staff admin, open only to staff who signed in with their second factor.

Staff can verify therapists and edit what every couple reads, so a stolen password
alone must not open it. The admin's own password-only sign-in form is never used:
signing in goes through allauth (which asks for the second factor), a staff member
without one is sent to set it up, and a session that signed in without it (before
the factor existed) is asked for it (allauth's MFA reauthentication).
"""

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# This module is loaded with the app registry (StaffAdminConfig): models are imported where used.


def used_second_factor(request) -> bool:
    """Whether this session's sign-in (or a reauthentication since) used a second factor."""
    from allauth.account.authentication import get_authentication_records

    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class StaffAdminSite(AdminSite):
    site_header = site_title = "TrustRepair staff"

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and used_second_factor(request)

    def login(self, request, extra_context=None):
        from allauth.mfa.models import Authenticator

        back = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: back})}")
        if not (user.is_active and user.is_staff):
            return redirect("home")
        if not Authenticator.objects.filter(user=user).exists():
            messages.info(request, "The staff pages need two-factor authentication. Please set it up first.")
            return redirect("mfa_activate_totp")
        return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({REDIRECT_FIELD_NAME: back})}")


class StaffAdminConfig(AdminConfig):
    default_site = "trustrepair.staff_admin.StaffAdminSite"
