from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied

from trustrepair.staff_admin import DeclaredLookupsOnly

from .models import Couple, Invitation, Membership, SupportResource, TherapistProfile, User

# Onboarding answers and safety checks are partners' private writing: deliberately
# not registered here, so staff never see them. Staff manage content and therapist
# verification; they never take over an account or learn a safety answer.


@admin.register(User)
class UserAdmin(DeclaredLookupsOnly, BaseUserAdmin):
    """People's accounts. No password field or password page: setting someone's password (or
    their email, which a reset link follows) would let staff sign in as them."""

    ordering = ["email"]
    list_display = ["email", "display_name", "time_zone", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email"]}),
        ("Profile", {"fields": ["display_name", "time_zone", "prompts_paused"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})]

    def get_readonly_fields(self, request, obj=None):
        return ["email", "last_login", "date_joined"] if obj else []

    def user_change_password(self, request, id, form_url=""):
        raise PermissionDenied


class ReadOnlyAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    """Couple records are changed only through the app's services, never by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# allauth's own admin shows and accepts every field of an authenticator, TOTP secrets and
# recovery codes included: a second factor whose secret staff can read protects nothing.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    """Who has which second factor and when it was used, never its secret. Staff may only
    remove one (a person who lost their phone sets up a new one after signing in)."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "slot", "joined_at", "left_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Couple)
class CoupleAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "created_at", "ended_at"]
    list_filter = ["ended_at"]
    fields = ["created_at", "created_by", "ended_at"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "inviter", "created_at", "expires_at", "status"]
    list_filter = ["kind"]
    fields = ["couple", "inviter", "kind", "email", "created_at", "expires_at", "accepted_at", "revoked_at"]


@admin.register(SupportResource)
class SupportResourceAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["title", "region", "phone", "order", "published"]
    list_editable = ["order", "published"]
    list_filter = ["published", "region"]
    search_fields = ["title", "body"]


# --- Therapists ------------------------------------------------------------------------------


class VerifiedFilter(admin.SimpleListFilter):
    title = "verification"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("no", "Waiting for verification"), ("yes", "Verified")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(verified_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(verified_at__isnull=False)
        return queryset


@admin.register(TherapistProfile)
class TherapistProfileAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    """Staff check the licence, then verify with the action (who and when are recorded)."""

    list_display = [
        "user",
        "email",
        "practice_name",
        "licence_number",
        "region",
        "created_at",
        "verified_at",
        "verified_by",
    ]
    list_filter = [VerifiedFilter, "region"]
    search_fields = ["user__email", "user__display_name", "practice_name", "licence_number"]
    list_select_related = ["user", "verified_by"]
    fields = [
        "user",
        "practice_name",
        "licence_number",
        "region",
        "practice_code",
        "created_at",
        "verified_at",
        "verified_by",
    ]
    readonly_fields = ["user", "practice_code", "created_at", "verified_at", "verified_by"]
    actions = ["verify", "withdraw_verification"]

    def has_add_permission(self, request):
        return False  # therapists sign up themselves at /therapist/join/

    @admin.display(description="email", ordering="user__email")
    def email(self, profile):
        return profile.user.email

    @admin.action(description="Verify the selected therapists (licence checked)")
    def verify(self, request, queryset):
        from .therapists import services

        done = sum(services.profile_verify(profile=p, verified_by=request.user) for p in queryset)
        self.message_user(request, f"{done} therapist(s) verified.", messages.SUCCESS)

    @admin.action(description="Withdraw verification of the selected therapists")
    def withdraw_verification(self, request, queryset):
        from .therapists import services

        done = sum(services.profile_unverify(profile=p) for p in queryset)
        self.message_user(request, f"Verification withdrawn from {done} therapist(s).", messages.WARNING)
