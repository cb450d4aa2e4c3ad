"""Changelists that stay fast with millions of rows, for both apps' admins.

Django counts every changelist twice: the filtered rows (for the pages) and, unless told
otherwise, the whole table (for "N total"), and its filters offer per-choice counts.
``LargeTableAdmin`` drops the second count and the filter counts, and bounds the first: past
``COUNT_LIMIT`` rows the paginator stops counting and offers that many, so a page costs the
same whether the filter matches ten thousand rows or ten million.
"""

from functools import cached_property

from django.contrib import admin
from django.core.paginator import Paginator

COUNT_LIMIT = 10_000


class BoundedCountPaginator(Paginator):
    """``count`` is exact up to ``COUNT_LIMIT`` and ``COUNT_LIMIT`` beyond (a LIMITed count)."""

    @cached_property
    def count(self) -> int:
        # Unordered: the count may read whichever index finds the rows, not the page's order.
        return min(self.object_list.order_by()[: COUNT_LIMIT + 1].count(), COUNT_LIMIT)


class LargeTableAdmin:
    """Mixed into the admins of tables that grow without bound (invoices, the delivery log)."""

    show_full_result_count = False
    paginator = BoundedCountPaginator
    # "Show counts" would count every choice of every filter over the whole table.
    show_facets = admin.ShowFacets.NEVER
