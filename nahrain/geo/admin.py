from django.contrib import admin

from nahrain.geo.models import AdminUnit, Alias, Location


class AliasInline(admin.TabularInline[Alias, AdminUnit]):
    model = Alias
    extra = 0
    fields = ["name", "kind", "source"]


@admin.register(AdminUnit)
class AdminUnitAdmin(admin.ModelAdmin[AdminUnit]):
    list_display = ["pcode", "name_en", "name_ar", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["pcode", "name_en", "name_ar", "name_ckb"]
    exclude = ["geometry"]
    inlines = [AliasInline]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = ["external_id", "name_en", "name_ar", "admin_unit", "type"]
    search_fields = ["external_id", "name_en", "name_ar"]
    raw_id_fields = ["admin_unit"]
