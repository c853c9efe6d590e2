"""Evidence is stored, served and packed by what it is, and photos lose their location."""

import hashlib
import io
import stat
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from PIL import ExifTags, Image

from tests.conftest import client_for
from tests.core.test_uploads import make_docx, make_image, png_that_does_not_inflate
from tests.framework.conftest import START
from wenming.core.uploads import strip_photo_metadata
from wenming.framework import services
from wenming.framework.models import LedgerEntry

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A page hidden after the first KiB, with nothing in it that runs: accepted, and inert as
# long as it is never served as a page.
INERT_PAGE = b"<html><body><h1>\xe5\x8f\xb0\xe8\xb4\xa6</h1></body></html>"
PDF_POLYGLOT = PDF[:9] + b"%" + b"x" * 1100 + b"\n" + INERT_PAGE + b"\n" + PDF[9:]
PNG_POLYGLOT = make_image("PNG", size=(40, 40)) + b"x" * 1100 + INERT_PAGE


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def tasks(people, active):
    return services.assign_indicators(
        people.city_admin,
        framework=active,
        indicators=active.indicators.filter(level=3).order_by("position"),
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 12, 15),
    )


@pytest.fixture
def entry(tasks):
    return LedgerEntry.objects.get(task__unit__code="DH-ZJ", task__indicator__code="Ⅲ-2")


def submit(people, entry, *files):
    submission = services.submit_evidence(
        people.east_unit_staff,
        entry,
        files=[SimpleUploadedFile(name, content) for name, content in files],
    )
    return list(submission.files.order_by("id"))


def stored_bytes(evidence) -> bytes:
    with evidence.file.open("rb") as handle:
        return handle.read()


def download(user, evidence):
    response = client_for(user).get(f"/staff/evidence/{evidence.pk}/")
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def photo_with_location() -> bytes:
    image = Image.new("RGB", (40, 20), (220, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: (31.0, 14.0, 5.5)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_a_pdf_polyglot_named_html_is_stored_and_served_as_a_pdf(people, entry):
    (evidence,) = submit(people, entry, ("x.html", PDF_POLYGLOT))
    assert (evidence.kind, evidence.original_name) == ("pdf", "x.html")
    assert evidence.file.name.startswith("evidence/2026/11/")
    assert evidence.file.name.endswith(".pdf")
    response, content = download(people.east_staff, evidence)
    assert content == PDF_POLYGLOT
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline; filename=\"x.pdf\"; filename*=UTF-8''x.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_png_polyglot_named_html_is_stored_as_a_png_without_its_payload(people, entry):
    (evidence,) = submit(people, entry, ("x.html", PNG_POLYGLOT))
    assert evidence.kind == "png"
    assert evidence.file.name.endswith(".png")
    stored = stored_bytes(evidence)
    assert stored == strip_photo_metadata(io.BytesIO(PNG_POLYGLOT), "png")
    assert b"<html" not in stored
    # The row describes the stored copy: what is downloaded and packed.
    assert (evidence.size, evidence.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
    response, content = download(people.east_unit_staff, evidence)
    assert content == stored
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline; filename=\"x.png\"; filename*=UTF-8''x.png"


def test_office_files_are_attachments_under_their_real_type(people, entry):
    docx = make_docx()
    (evidence,) = submit(people, entry, ("整改报告.html", docx))
    assert evidence.file.name.endswith(".docx")
    response, content = download(people.east_staff, evidence)
    assert content == docx
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="file.docx"; '
        "filename*=UTF-8''%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.docx"
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_photo_is_stored_without_its_location_and_no_original_is_kept(people, entry):
    original = photo_with_location()
    (evidence,) = submit(people, entry, ("现场.jpg", original))
    stored = stored_bytes(evidence)
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (20, 40)
    assert evidence.original_file.name == ""
    assert [path.name for path in Path(evidence.file.path).parent.iterdir()] == [
        Path(evidence.file.name).name
    ]


def test_the_original_photo_is_kept_beside_when_asked_and_never_served(settings, people, entry):
    settings.EVIDENCE_KEEP_ORIGINAL_PHOTOS = True
    original = photo_with_location()
    (evidence,) = submit(people, entry, ("现场.jpg", original))
    stem = evidence.file.name.removesuffix(".jpg")
    assert evidence.original_file.name == f"{stem}.original.jpg"
    with evidence.original_file.open("rb") as handle:
        assert handle.read() == original
    for user in (people.east_unit_staff, people.east_staff, people.city_admin):
        _response, content = download(user, evidence)
        assert content == stored_bytes(evidence)
        assert b"PhoneMaker" not in content


def test_stored_files_are_readable_by_owner_and_group_only(people, entry, media):
    evidence, photo = submit(people, entry, ("制度.pdf", PDF), ("现场.jpg", photo_with_location()))
    for stored in (evidence, photo):
        assert stat.S_IMODE(Path(stored.file.path).stat().st_mode) == 0o640
    folder = Path(evidence.file.path).parent
    for directory in (folder, folder.parent, folder.parent.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o750
    assert folder.parent.parent == Path(media) / "evidence"


def test_the_ledger_zip_names_files_by_what_they_are(people, entry, city):
    _pdf_file, png_file = submit(
        people, entry, ("通知.html", PDF_POLYGLOT), ("现场照片.svg", PNG_POLYGLOT)
    )
    response = client_for(people.east_staff).get(
        f"/staff/ledger/export/?unit={city.east_unit.pk}&start=2026-12-01&end=2026-12-31"
    )
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    assert sorted(archive.namelist()) == [
        "Ⅲ-2 公共场所秩序/现场照片.png",
        "Ⅲ-2 公共场所秩序/通知.pdf",
        "索引.xlsx",
    ]
    packed_png = archive.read("Ⅲ-2 公共场所秩序/现场照片.png")
    assert packed_png == stored_bytes(png_file)
    assert archive.read("Ⅲ-2 公共场所秩序/通知.pdf") == PDF_POLYGLOT
    sheet = load_workbook(io.BytesIO(archive.read("索引.xlsx"))).active
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[10]]
    assert [(row[9], row[10], row[12]) for row in rows] == [
        ("通知.html", "Ⅲ-2 公共场所秩序/通知.pdf", hashlib.sha256(PDF_POLYGLOT).hexdigest()),
        ("现场照片.svg", "Ⅲ-2 公共场所秩序/现场照片.png", hashlib.sha256(packed_png).hexdigest()),
    ]


def test_another_districts_evidence_answers_404(people, entry):
    (evidence,) = submit(people, entry, ("制度.pdf", PDF))
    response = client_for(people.west_staff).get(f"/staff/evidence/{evidence.pk}/")
    assert response.status_code == 404


def test_a_photo_that_cannot_be_decoded_is_refused_before_anything_is_stored(people, entry, media):
    with pytest.raises(ValidationError) as error:
        submit(people, entry, ("制度.pdf", PDF), ("坏.png", png_that_does_not_inflate()))
    assert error.value.messages == ["“坏.png”是已损坏的图片。"]
    assert entry.submissions.count() == 0
    assert not Path(media).exists()
