"""Admin: the care levels are configuration and edited here; base data is written through the
services (API, import), so the admin only lists it — never showing ID numbers or phones."""

from django.contrib import admin

from wangge.core.admin import AuditedAdmin, ReadOnlyAdmin
from wangge.people.models import (
    Asset,
    Building,
    CareLevel,
    ImportJob,
    Organisation,
    Place,
    Resident,
)


@admin.register(CareLevel)
class CareLevelAdmin(AuditedAdmin):
    list_display = ["code", "name", "colour", "visit_interval_days", "order"]
    list_editable = ["visit_interval_days", "order"]


@admin.register(Building)
class BuildingAdmin(ReadOnlyAdmin):
    list_display = ["name", "community", "grid", "units", "floors"]
    search_fields = ["name", "address"]


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdmin):
    # Deliberately no ID or phone, masked or not: reveals happen in the audited API only.
    list_display = ["name", "sex", "residence_type", "grid"]
    fields = ["name", "sex", "residence_type", "tags", "grid", "is_active"]
    list_filter = ["residence_type"]


@admin.register(Place)
class PlaceAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "grid"]
    list_filter = ["kind"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "grid"]
    list_filter = ["kind"]


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "category_code", "department", "grid"]
    list_filter = ["category_code", "department"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "filename", "status", "created_count", "rejected_count"]
    exclude = ["rejects"]
