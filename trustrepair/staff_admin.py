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
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db.models.constants import LOOKUP_SEP
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


class DeclaredLookupsOnly:
    """Staff filter a list only by what its ``list_filter`` (or ``date_hierarchy``) offers.

    Django's admin also accepts any hand-typed ``?field__lookup=`` on the
    model's own fields (and one relation deep, such as ``?safety_check__isnull=``):
    enough to filter couples by safety mode or people by whether they took the
    safety check. Every admin of ours takes this first.
    """

    def lookup_allowed(self, lookup, value, request):
        declared = {self.date_hierarchy} - {None}
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                if lookup == item.parameter_name:
                    return True  # the filter's own parameter, which it reads itself
                continue
            declared.add(item[0] if isinstance(item, (list, tuple)) else item)
        if not any(lookup == path or lookup.startswith(path + LOOKUP_SEP) for path in declared):
            return False
        return super().lookup_allowed(lookup, value, request)


class StaffAdminConfig(AdminConfig):
    default_site = "trustrepair.staff_admin.StaffAdminSite"
