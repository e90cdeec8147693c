from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Couple, Invitation, Membership, SupportResource, User

# Onboarding answers and safety checks are partners' private writing: deliberately
# not registered here, so staff never see them.


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "time_zone", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "time_zone", "prompts_paused"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Couple records are changed only through the app's services, never by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
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
class SupportResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "phone", "order", "published"]
    list_editable = ["order", "published"]
    list_filter = ["published", "region"]
    search_fields = ["title", "body"]
