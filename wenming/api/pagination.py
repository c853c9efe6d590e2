"""Page-number pagination with a client-chosen page size, capped and validated."""

import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

WHOLE_NUMBER = re.compile(r"[0-9]+")


class Pagination(PageNumberPagination):
    """?page=N&page_size=M, at most 500 rows a page; a malformed size answers 400."""

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
