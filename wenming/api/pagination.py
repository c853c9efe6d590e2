"""Page-number pagination with a client-chosen page size, capped and validated."""

import re

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

WHOLE_NUMBER = re.compile(r"[0-9]+")


class CountSavingPaginator(Paginator):
    """Django's paginator, but the first page is read before the count.

    A first page with room to spare holds every row, so its length is the count and no
    COUNT query is sent: most filtered lists and small ones. A full first page is kept
    and the count asked for as usual, so the rows are never read twice.
    """

    def page(self, number):
        if "count" in self.__dict__ or not _is_first(number):
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.count = len(rows)  # sets the cached_property: no COUNT query
        if not rows and not self.allow_empty_first_page:
            return super().page(number)
        return self._get_page(rows, 1, self)


def _is_first(number) -> bool:
    """`number` is page 1 as Paginator.validate_number would read it."""
    if isinstance(number, int):
        return number == 1
    return isinstance(number, str) and number.isdecimal() and int(number) == 1


class Pagination(PageNumberPagination):
    """?page=N&page_size=M, at most 500 rows a page; a malformed size answers 400."""

    django_paginator_class = CountSavingPaginator
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        # DRF would quietly fall back to the default for "-1.4e-151" or "abc"; a client
        # that asked for something else should hear it was not understood.
        if not WHOLE_NUMBER.fullmatch(raw) or not raw.strip("0"):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number of rows from 1 to %(max)d.")
                        % {"max": self.max_page_size}
                    ]
                }
            )
        # More digits than any page could hold is simply the largest page.
        return self.max_page_size if len(raw) > 9 else min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        """Both parameters as the class reads them: whole numbers from 1 up."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters
