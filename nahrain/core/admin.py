from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from nahrain.core.models import ApiToken, AuditEvent, Membership, Organisation

# Second factors are set up only through enrolment links and recovery-code pages, which the
# audit log records. django-otp's own admin would let a platform admin add a confirmed
# authenticator with a key of their choosing (or recovery codes) for another admin.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class MembershipInline(admin.TabularInline[Membership, Organisation]):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["acronym", "name", "type"]
    list_filter = ["type"]
    search_fields = ["name", "acronym"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    # Whether a token was issued with a second factor is a fact of its issue, not a setting.
    readonly_fields = ["prefix", "digest", "with_second_factor", "created_at", "last_used_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log is appended to by the application, never edited."""

    list_display = ["at", "actor", "organisation", "action", "object_type", "object_id"]
    list_filter = ["action"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
