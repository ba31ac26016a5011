from django.contrib import admin

from wangge.stats.models import AssessmentRule, AssessmentScheme, RollupState


class AssessmentRuleInline(admin.TabularInline):
    model = AssessmentRule
    extra = 1


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "subject", "min_cases", "use_wilson", "is_active"]
    list_filter = ["subject", "is_active"]
    inlines = [AssessmentRuleInline]


_STATE_FIELDS = (
    "name",
    "last_run_at",
    "last_full_at",
    "last_days",
    "last_changes",
    "last_keys",
    "runs",
)


@admin.register(RollupState)
class RollupStateAdmin(admin.ModelAdmin):
    list_display = _STATE_FIELDS
    readonly_fields = _STATE_FIELDS

    def has_add_permission(self, request):
        return False
