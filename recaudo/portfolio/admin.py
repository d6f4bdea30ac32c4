from django.contrib import admin

from recaudo.portfolio.models import SegmentRule


@admin.register(SegmentRule)
class SegmentRuleAdmin(admin.ModelAdmin):
    list_display = ["creditor", "position", "segment", "active", "description"]
    list_display_links = ["segment"]
    list_editable = ["position", "active"]
    list_filter = ["creditor", "active"]
    ordering = ["creditor", "position", "id"]


# The admin index with a link to the portfolio upload page (admin_views.import_portfolio).
admin.site.index_template = "admin/portfolio/index.html"
