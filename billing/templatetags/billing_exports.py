"""``{% export_links cl %}``: the export buttons of a changelist, with its current query string."""

from django import template

from billing.admin.exports import exports_for

register = template.Library()


@register.inclusion_tag("admin/reports/export_links.html")
def export_links(cl):
    return {"cl": cl, "exports": exports_for(cl.model)}
