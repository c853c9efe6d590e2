"""Forms of the regions app."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import StyledFormMixin

XLSX_MAGIC = b"PK\x03\x04"


class ImportUploadForm(StyledFormMixin, forms.Form):
    """An .xlsx workbook, checked by size and by content (a zip), not by its name."""

    file = forms.FileField(label=_("Excel workbook (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB.")
                % {"size": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        head = upload.read(4)
        upload.seek(0)
        if head != XLSX_MAGIC:
            raise forms.ValidationError(_("The file is not an Excel workbook (.xlsx)."))
        return upload
