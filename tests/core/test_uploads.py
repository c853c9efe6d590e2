"""Evidence uploads are judged by their content: real files pass, disguised ones do not."""

import hashlib
import io
import random
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook
from PIL import Image

from wenming.core.uploads import (
    ALLOWED_KINDS,
    KIND_LABELS,
    check_upload,
    detect_kind,
    sanitise_filename,
    verify_image,
)

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)

CONTENT_TYPES_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def rels_xml(target: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/officeDocument" Target="{target}"/></Relationships>'
    ).encode()


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_docx(main: str = "word/document.xml", extra: dict[str, bytes] | None = None) -> bytes:
    members = {
        "[Content_Types].xml": CONTENT_TYPES_XML,
        "_rels/.rels": rels_xml(main),
        main: b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
        b'2006/main"><w:body><w:p><w:r><w:t>\xe5\x8f\xb0\xe8\xb4\xa6</w:t></w:r></w:p>'
        b"</w:body></w:document>",
    }
    members.update(extra or {})
    return make_zip(members)


def make_xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["单位", "得分"])
    workbook.active.append(["东湖区住建局", 95])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_member(archive_bytes: bytes, name: str, data: bytes) -> bytes:
    buffer = io.BytesIO(archive_bytes)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def make_image(image_format: str, size=(64, 48)) -> bytes:
    # Noise, so that the image data is large enough to cut in half meaningfully.
    noise = random.Random(7).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, noise).save(buffer, format=image_format)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims the given dimensions: what a decompression bomb looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refusal(file, **kwargs) -> list[str]:
    """The English messages check_upload gives; the file must be rewound either way."""
    file.seek(min(3, file.size))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        check_upload(file, **kwargs)
    assert file.tell() == 0
    return caught.value.messages


def accepted(file, **kwargs):
    file.seek(min(3, file.size))
    checked = check_upload(file, **kwargs)
    assert file.tell() == 0
    return checked


# Real files pass and are named by what they are.


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("通知.pdf", PDF, "pdf"),
        ("photo.png", make_image("PNG"), "png"),
        ("photo.jpg", make_image("JPEG"), "jpg"),
        ("台账.docx", make_docx(), "docx"),
        ("台账.xlsx", make_xlsx(), "xlsx"),
    ],
)
def test_real_files_are_accepted(name, content, kind):
    checked = accepted(upload(name, content))
    assert checked.kind == kind
    assert checked.extension == f".{kind}"
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.original_name == name


def test_the_name_does_not_decide_a_real_pdf_named_png_is_a_pdf():
    checked = accepted(upload("scan.png", PDF))
    assert checked.kind == "pdf"
    assert checked.extension == ".pdf"
    assert checked.original_name == "scan.png"


def test_wps_style_docx_with_extra_parts_is_accepted():
    custom = b'<Properties><property name="KSOProductBuildVer"/></Properties>'
    content = make_docx(extra={"docProps/custom.xml": custom})
    assert accepted(upload("wps.docx", content)).kind == "docx"


def test_docx_whose_main_part_has_another_name_is_found_through_its_relationships():
    assert accepted(upload("online.docx", make_docx(main="word/document2.xml"))).kind == "docx"


def test_file_larger_than_the_head_is_hashed_in_full():
    content = make_image("PNG", size=(300, 300))
    assert len(content) > 64 * 1024
    checked = accepted(upload("big.png", content))
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.size == len(content)


# Disguised and dangerous files are refused, and the message says why.


def test_executable_named_pdf_is_a_program():
    content = b"MZ\x90\x00\x03" + b"\x00" * 200 + b"This program cannot be run in DOS mode."
    assert refusal(upload("report.pdf", content)) == ["“report.pdf” is a program, not a document."]


def test_elf_named_png_is_a_program():
    assert refusal(upload(".png", b"\x7fELF\x02\x01\x01" + b"\x00" * 64)) == [
        "“.png” is a program, not a document."
    ]


@pytest.mark.parametrize(
    "content",
    [b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 32, b"#!/bin/sh\nrm -rf /\n"],
)
def test_mach_o_and_shell_scripts_are_programs(content):
    assert refusal(upload("a.jpg", content)) == ["“a.jpg” is a program, not a document."]


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><HTML><body><script>alert(1)</script></body></HTML>",
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"\xef\xbb\xbf  <Script>fetch('/api/')</Script>",
    ],
)
def test_html_named_docx_is_a_web_page(content):
    assert refusal(upload("总结.docx", content)) == [
        "“总结.docx” is a web page or script, not a document."
    ]


def test_pdf_with_markup_in_its_head_is_refused_as_a_polyglot():
    content = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n" + PDF
    assert refusal(upload("x.pdf", content)) == ["“x.pdf” is a web page or script, not a document."]


def test_zip_with_an_executable_named_xlsx_is_refused():
    content = make_zip({"[Content_Types].xml": CONTENT_TYPES_XML, "evil.exe": b"MZ" * 10})
    assert refusal(upload("数据.xlsx", content)) == [
        "“数据.xlsx” is an archive containing programs."
    ]


@pytest.mark.parametrize("member", ["docs/run.JS", "start.bat", "x/y.ps1", "a.vbs", "b.scr"])
def test_zip_with_scripts_is_refused(member):
    content = make_zip({"readme.txt": b"hello", member: b"payload"})
    assert refusal(upload("a.zip", content)) == ["“a.zip” is an archive containing programs."]


def test_xlsx_with_vba_project_contains_macros():
    content = with_member(make_xlsx(), "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 60)
    assert refusal(upload("汇总.xlsx", content)) == [
        "“汇总.xlsx” contains macros, which are not accepted."
    ]


def test_xlsx_with_excel4_macro_sheet_contains_macros():
    content = with_member(make_xlsx(), "xl/macrosheets/sheet1.xml", b"<xm:macrosheet/>")
    assert refusal(upload("m.xlsx", content)) == [
        "“m.xlsx” contains macros, which are not accepted."
    ]


def test_docx_embedding_a_macro_workbook_contains_macros():
    content = make_docx(extra={"word/embeddings/Book1.xlsm": b"PK"})
    assert refusal(upload("d.docx", content)) == [
        "“d.docx” contains macros, which are not accepted."
    ]


def test_plain_zip_is_not_an_allowed_kind():
    content = make_zip({"photo1.jpg": make_image("JPEG")})
    assert refusal(upload("photos.docx", content)) == [
        "“photos.docx” is not a PDF, Word, Excel, JPEG or PNG file."
    ]


def test_zip_with_content_types_but_no_document_is_not_an_allowed_kind():
    content = make_zip({"[Content_Types].xml": CONTENT_TYPES_XML, "ppt/presentation.xml": b"<p/>"})
    assert refusal(upload("slides.pptx", content)) == [
        "“slides.pptx” is not a PDF, Word, Excel, JPEG or PNG file."
    ]


def test_broken_zip_is_a_damaged_office_file():
    content = make_docx()[:300]
    assert refusal(upload("cut.docx", content)) == ["“cut.docx” is a damaged Office file."]


def test_old_binary_office_file_is_explained():
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert refusal(upload("old.doc", content)) == [
        "“old.doc” is an old-format (.doc, .xls) or password-protected Office file: "
        "save it as an unprotected .docx or .xlsx file."
    ]


@pytest.mark.parametrize("content", [b"just some text\n", b"GIF89a\x01\x00\x01\x00", b"\x00" * 8])
def test_other_content_is_not_an_allowed_kind(content):
    assert refusal(upload("notes.pdf", content)) == [
        "“notes.pdf” is not a PDF, Word, Excel, JPEG or PNG file."
    ]


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_truncated_image_is_damaged(image_format):
    content = make_image(image_format)
    content = content[: len(content) // 2]
    assert refusal(upload("half.img", content)) == ["“half.img” is a damaged image."]


@pytest.mark.parametrize("size", [(8000, 8000), (20000, 20000)])
def test_decompression_bomb_is_refused(size):
    assert refusal(upload("bomb.png", png_header_only(*size))) == [
        "“bomb.png” is an image of more than 60 million pixels."
    ]


def test_verify_image_on_its_own():
    stream = io.BytesIO(make_image("PNG"))
    stream.seek(5)
    verify_image(stream, "png")
    assert stream.tell() == 5
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        verify_image(io.BytesIO(make_image("PNG")[:100]), "png", name="../x.png")
    assert caught.value.messages == ["“x.png” is a damaged image."]


# Size.


def test_empty_file_is_refused():
    assert refusal(upload("空.pdf", b"")) == ["“空.pdf” is empty."]


def test_oversized_file_is_refused():
    content = PDF + b"\x00" * (1024 * 1024)
    assert refusal(upload("big.pdf", content), max_bytes=1024 * 1024) == [
        "“big.pdf” is larger than 1 MB."
    ]
    assert accepted(upload("big.pdf", content), max_bytes=2 * 1024 * 1024).kind == "pdf"


def test_size_is_counted_not_taken_from_the_upload():
    file = upload("liar.pdf", PDF + b"\x00" * (3 * 1024 * 1024))
    file.size = 10
    assert refusal(file, max_bytes=2 * 1024 * 1024) == ["“liar.pdf” is larger than 2 MB."]


def test_limit_comes_from_settings(settings):
    settings.EVIDENCE_MAX_BYTES = 3 * 1024 * 1024
    content = PDF + b"\x00" * (3 * 1024 * 1024)
    assert refusal(upload("big.pdf", content)) == ["“big.pdf” is larger than 3 MB."]


def test_default_limit_is_twenty_megabytes(settings):
    if hasattr(settings, "EVIDENCE_MAX_BYTES"):
        del settings.EVIDENCE_MAX_BYTES
    content = PDF + b"\x00" * (20 * 1024 * 1024)
    assert refusal(upload("big.pdf", content)) == ["“big.pdf” is larger than 20 MB."]


def test_limit_under_a_megabyte_is_given_in_kilobytes():
    assert refusal(upload("a.pdf", PDF * 40), max_bytes=2048) == ["“a.pdf” is larger than 2 KB."]


# Names.


def test_name_with_path_traversal_is_reduced_to_its_basename():
    checked = accepted(upload("x.pdf", PDF))
    assert checked.original_name == "x.pdf"
    file = upload("x.pdf", PDF)
    file.name = "../../etc/passwd.pdf"  # SimpleUploadedFile would strip it itself
    assert accepted(file).original_name == "passwd.pdf"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\Desktop\\报告.docx", "报告.docx"),
        ("a\x00b\r\n\tc.pdf", "abc.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("  台账 2024.xlsx  ", "台账 2024.xlsx"),
        ("", "file"),
        (None, "file"),
        ("..", "file"),
        ("../", "file"),
        ("\x00\x01", "file"),
    ],
)
def test_sanitise_filename(name, expected):
    assert sanitise_filename(name) == expected


def test_sanitise_filename_keeps_long_names_to_200_with_their_extension():
    name = "很长的文件名" * 60 + ".pdf"
    cleaned = sanitise_filename(name)
    assert len(cleaned) == 200
    assert cleaned == name[:196] + ".pdf"


def test_control_characters_in_the_name_do_not_reach_the_message():
    assert refusal(upload("bad\x1b[31m.pdf", b"MZ" + b"\x00" * 10)) == [
        "“bad[31m.pdf” is a program, not a document."
    ]


# The pieces.


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"),
        (make_image("PNG"), "png"),
        (make_image("JPEG"), "jpg"),
        (make_docx(), "docx"),
        (make_xlsx(), "xlsx"),
        (b"MZ\x00\x00", None),
        (b"<html></html>", None),
        (with_member(make_xlsx(), "xl/vbaProject.bin", b"x"), None),
        (b"hello", None),
    ],
)
def test_detect_kind(content, kind):
    stream = io.BytesIO(content)
    assert detect_kind(content[:1024], stream) == kind


def test_every_kind_has_a_label():
    assert set(KIND_LABELS) == set(ALLOWED_KINDS)
    with translation.override("en"):
        assert str(KIND_LABELS["docx"]) == "Word document"
