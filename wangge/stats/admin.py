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


@admin.register(RollupState)
class RollupStateAdmin(admin.ModelAdmin):
    list_display = ("name", "watermark", "last_run_at", "last_full_at", "last_days", "runs")
    readonly_fields = ("name", "watermark", "last_run_at", "last_full_at", "last_days", "runs")

    def has_add_permission(self, request):
        return False
