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
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageDraw, ImageStat, PngImagePlugin

from wenming.core.uploads import (
    ALLOWED_KINDS,
    KIND_LABELS,
    check_upload,
    content_disposition,
    detect_kind,
    download_name,
    sanitise_filename,
    strip_photo_metadata,
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


# Markup anywhere in the file, not only in its head.


def pdf_with(body: bytes) -> bytes:
    """A hand-written PDF with `body` placed after its first KiB."""
    padding = b"%" + b"x" * 1100 + b"\n"
    return PDF[:9] + padding + body + PDF[9:]


def png_with_text(text: bytes) -> bytes:
    """A real PNG carrying `text` in a tEXt chunk after its first KiB of pixels."""
    image = Image.frombytes("RGB", (64, 48), random.Random(3).randbytes(64 * 48 * 3))
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "x" * 1100)
    info.add_text("Comment", text.decode("latin-1"))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    content = buffer.getvalue()
    assert content.index(text) > 1024
    return content


def jpeg_with_comment(text: bytes) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 48), random.Random(5).randbytes(64 * 48 * 3)).save(
        buffer, format="JPEG", comment=b"\x00" * 1100 + text
    )
    return buffer.getvalue()


@pytest.mark.parametrize(
    "payload",
    [
        b"<html><body><script>alert(document.cookie)</script></body></html>",
        b"<IFRAME src=/staff/></IFRAME>",
        b"<object data=x></object>",
        b"<embed src=x>",
        b"<!DOCTYPE HTML><p>hi</p>",
        b"<svg/onload=alert(1)>",
        b"<img src=x onerror  =alert(1)>",
        b"<svg><animate onbegin=alert(1) attributeName=x>",
    ],
)
def test_pdf_with_active_markup_after_its_head_is_refused(payload):
    content = pdf_with(payload)
    assert content.lower().index(payload.lower()[:4]) > 1024
    assert refusal(upload("x.html", content)) == [
        "“x.html” is a web page or script, not a document."
    ]


def test_png_with_a_script_in_a_text_chunk_is_refused():
    content = png_with_text(b"<script>alert(1)</script>")
    assert refusal(upload("x.html", content)) == [
        "“x.html” is a web page or script, not a document."
    ]


def test_png_with_a_page_appended_after_its_end_is_refused():
    content = make_image("PNG") + b"\n<html><script src=//evil.example/x.js></script>"
    assert refusal(upload("x.png", content)) == ["“x.png” is a web page or script, not a document."]


@pytest.mark.parametrize(
    "payload", [b"<svg onload=alert(1)>", b"<a href='javascript:alert(1)'>", b"<Script>"]
)
def test_jpeg_with_markup_in_a_comment_is_refused(payload):
    content = jpeg_with_comment(payload)
    assert refusal(upload("照片.jpg", content)) == [
        "“照片.jpg” is a web page or script, not a document."
    ]


def test_markup_cut_by_the_scan_chunks_is_still_found():
    # The scan reads 1 MiB at a time; "<script" straddles the first boundary.
    body = b"%" + b"x" * (1024 * 1024 - 13) + b"\n<script>"
    content = PDF[:9] + body + PDF[9:]
    assert content.index(b"<script") < 1024 * 1024 < content.index(b"<script") + 7
    assert refusal(upload("big.pdf", content)) == [
        "“big.pdf” is a web page or script, not a document."
    ]


def test_inert_markup_after_the_head_is_stored_as_what_the_file_is():
    # No script, no frame, no handler: nothing runs, and the file is served as a PDF.
    content = pdf_with(b"<html><body><h1>\xe5\x8f\xb0\xe8\xb4\xa6</h1></body></html>")
    checked = accepted(upload("x.html", content))
    assert (checked.kind, checked.extension, checked.content_type) == (
        "pdf",
        ".pdf",
        "application/pdf",
    )
    png = png_with_text(b"<svg><rect/></svg>")
    assert accepted(upload("x.html", png)).kind == "png"


def test_a_real_pdf_whose_binary_streams_hold_short_tags_is_accepted():
    # Compressed data is random-looking bytes and holds "<svg" or "<html" by chance;
    # those alone do not refuse a PDF.
    noise = random.Random(11).randbytes(4096)
    binary = noise[:1500] + b"<svg" + noise[1500:3000] + b"<html " + noise[3000:] + b"<body>"
    content = (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 100 20]"
        b" /A << /S /URI /URI (javascript:void\\(0\\)) >> >>] >>\nendobj\n"
        b"4 0 obj\n<< /Length " + str(len(binary)).encode() + b" /Filter /FlateDecode >>\n"
        b"stream\n" + binary + b"\nendstream\nendobj\n"
        b"5 0 obj\n<< /Type /Metadata /Subtype /XML >>\nstream\n"
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b"<rdf:RDF><dc:format>application/pdf</dc:format></rdf:RDF></x:xmpmeta>"
        b'<?xpacket end="w"?>\nendstream\nendobj\n'
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    assert accepted(upload("通报.pdf", content)).kind == "pdf"


def test_a_pdf_written_by_pillow_is_accepted():
    buffer = io.BytesIO()
    Image.frombytes("RGB", (400, 300), random.Random(13).randbytes(400 * 300 * 3)).save(
        buffer, format="PDF", resolution=72
    )
    content = buffer.getvalue()
    assert len(content) > 64 * 1024
    assert accepted(upload("扫描件.pdf", content)).kind == "pdf"


# Archives: how much they unpack to, and where.


def zip_with_zeros(members: dict[str, bytes], zeros_name: str, zeros_size: int) -> bytes:
    """A real zip whose member `zeros_name` is `zeros_size` zero bytes, deflated.

    Its deflate stream is one compressed MiB of zeros repeated: each copy ends in a full
    flush, which makes them all alike and self-contained. So 2 GiB costs about 2 MB and a
    second to build, and the CRC is the real one: any unzip tool expands it whole.
    """
    mebibyte = 1024 * 1024
    assert zeros_size % mebibyte == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(mebibyte)) + compressor.flush(zlib.Z_FULL_FLUSH)
    zeros_data = block * (zeros_size // mebibyte) + compressor.flush()
    zeros_crc = 0
    for _ in range(zeros_size // mebibyte):
        zeros_crc = zlib.crc32(bytes(mebibyte), zeros_crc)
    entries = []
    for name, data in members.items():
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        entries.append((name, packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)))
    entries.append((zeros_name, zeros_data, zeros_crc, zeros_size))
    local, central = bytearray(), bytearray()
    for name, packed, crc, size in entries:
        encoded = name.encode()
        fields = (20, 0, 8, 0, 0x21, crc, len(packed), size, len(encoded), 0)
        central += struct.pack("<4sH", b"PK\x01\x02", 20) + struct.pack("<5HIIIHH", *fields)
        central += struct.pack("<3H2I", 0, 0, 0, 0, len(local)) + encoded
        local += struct.pack("<4s", b"PK\x03\x04") + struct.pack("<5HIIIHH", *fields)
        local += encoded + packed
    count = len(entries)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(central), len(local), 0)
    return bytes(local + central + end)


DOCX_PARTS = {
    "[Content_Types].xml": CONTENT_TYPES_XML,
    "_rels/.rels": rels_xml("word/document.xml"),
    "word/document.xml": b"<w:document/>",
}


def test_the_zip_helper_builds_a_zip_that_unpacks_to_its_zeros():
    content = zip_with_zeros(DOCX_PARTS, "word/media/image1.png", 3 * 1024 * 1024)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        assert archive.read("word/media/image1.png") == bytes(3 * 1024 * 1024)
        assert archive.read("word/document.xml") == b"<w:document/>"


def test_a_two_megabyte_docx_that_unpacks_to_two_gibibytes_is_refused():
    content = zip_with_zeros(DOCX_PARTS, "word/media/image1.png", 2 * 1024**3)
    assert len(content) < 3 * 1024 * 1024
    assert refusal(upload("bomb.docx", content)) == ["“bomb.docx” unpacks to more than 200 MB."]


def test_a_small_archive_bomb_under_the_size_limit_is_refused_by_its_ratio():
    content = zip_with_zeros(DOCX_PARTS, "word/media/image1.png", 64 * 1024 * 1024)
    assert len(content) < 100 * 1024
    assert refusal(upload("small-bomb.docx", content)) == [
        "“small-bomb.docx” unpacks to far more than it weighs, as an archive bomb does."
    ]


def test_a_tightly_packed_but_small_docx_is_accepted():
    # 8 MiB of zeros is a thousand to one, but unpacking it harms nothing.
    content = zip_with_zeros(DOCX_PARTS, "word/media/image1.png", 8 * 1024 * 1024)
    assert accepted(upload("blank.docx", content)).kind == "docx"


def test_a_long_real_workbook_is_accepted():
    workbook = Workbook()
    for row in range(5_000):
        workbook.active.append(["东湖区住建局", "已完成", row, "见附件"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert accepted(upload("台账.xlsx", buffer.getvalue())).kind == "xlsx"


def test_archive_limits_come_from_settings(settings):
    settings.EVIDENCE_ARCHIVE_MAX_BYTES = 2 * 1024 * 1024
    noise = random.Random(17).randbytes(3 * 1024 * 1024)
    content = make_docx(extra={"word/media/image1.png": noise})
    assert refusal(upload("大.docx", content)) == ["“大.docx” unpacks to more than 2 MB."]
    settings.EVIDENCE_ARCHIVE_MAX_BYTES = 200 * 1024 * 1024
    assert accepted(upload("大.docx", content)).kind == "docx"
    settings.EVIDENCE_ARCHIVE_MAX_RATIO = 5
    content = make_docx(extra={"word/media/blank.bmp": bytes(11 * 1024 * 1024)})
    assert refusal(upload("大.docx", content)) == [
        "“大.docx” unpacks to far more than it weighs, as an archive bomb does."
    ]


@pytest.mark.parametrize(
    "member",
    ["/etc/cron.d/x", "../../x.xml", "word/../../x.xml", "C:/Windows/x.xml", "word\\..\\..\\x"],
)
def test_zip_members_with_absolute_or_parent_paths_are_refused(member):
    content = make_docx(extra={member: b"<x/>"})
    assert refusal(upload("路径.docx", content)) == [
        "“路径.docx” holds files with absolute paths or “..” in their paths."
    ]


def test_zip_members_with_dots_in_their_names_are_fine():
    content = make_docx(extra={"word/media/a..b.png": make_image("PNG"), "./word/x.xml": b"<x/>"})
    assert accepted(upload("点.docx", content)).kind == "docx"


# Names and headers for downloads.


@pytest.mark.parametrize(
    ("original", "kind", "expected"),
    [
        ("x.html", "pdf", "x.pdf"),
        ("整改报告.svg", "png", "整改报告.png"),
        ("setup.exe", "jpg", "setup.jpg"),
        ("台账.2024.docx", "docx", "台账.2024.docx"),
        ("没有扩展名", "xlsx", "没有扩展名.xlsx"),
        ("../../a.html", "pdf", "a.pdf"),
        (".png", "png", "png.png"),
        ("...", "pdf", "file.pdf"),
        ("", "jpg", "file.jpg"),
    ],
)
def test_download_name_takes_the_extension_of_the_detected_kind(original, kind, expected):
    assert download_name(original, kind) == expected


def test_content_disposition_gives_an_ascii_name_and_the_utf8_one():
    assert content_disposition("整改报告 v2.pdf", inline=True) == (
        "inline; filename=\"v2.pdf\"; filename*=UTF-8''"
        "%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A%20v2.pdf"
    )
    assert content_disposition("台账.docx", inline=False) == (
        "attachment; filename=\"file.docx\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6.docx"
    )
    assert content_disposition('a"b\\c;%d.pdf', inline=False) == (
        "attachment; filename=\"abcd.pdf\"; filename*=UTF-8''a%22b%5Cc%3B%25d.pdf"
    )


# Photos are stored without their metadata.


def photo_with_location(image_format: str, orientation: int = 6, **options) -> bytes:
    """A 40×20 photo (left half red, right half blue) with camera, GPS and orientation."""
    image = Image.new("RGB", (40, 20), (220, 0, 0))
    image.paste((0, 0, 220), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {1: "N", 2: (31.0, 14.0, 5.5), 3: "E", 4: (121.0, 28.0, 0.0)}
    )
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, exif=exif, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(("image_format", "kind"), [("JPEG", "jpg"), ("PNG", "png")])
def test_stripping_removes_exif_and_gps_and_applies_the_orientation(image_format, kind):
    original = photo_with_location(image_format)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    stream = io.BytesIO(original)
    stream.seek(7)
    stripped = strip_photo_metadata(stream, kind)
    assert stream.tell() == 7
    assert b"PhoneMaker" not in stripped
    with Image.open(io.BytesIO(stripped)) as image:
        assert image.format == image_format
        assert dict(image.getexif()) == {}
        # Orientation 6 turns the photo a quarter clockwise: red on top, blue below.
        assert image.size == (20, 40)
        red, _green, blue = image.convert("RGB").getpixel((10, 5))
        assert red > 180 and blue < 40
        red, _green, blue = image.convert("RGB").getpixel((10, 35))
        assert red < 40 and blue > 180
    assert accepted(upload("clean.img", stripped)).kind == kind


def test_stripping_a_jpeg_drops_its_comment_and_keeps_its_colour_profile():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = photo_with_location("JPEG", 1, comment=b"home address", icc_profile=profile)
    stripped = strip_photo_metadata(io.BytesIO(original), "jpg")
    assert b"home address" not in stripped
    with Image.open(io.BytesIO(stripped)) as image:
        assert image.size == (40, 20)
        assert image.info["icc_profile"] == profile
        assert "comment" not in image.info


def test_stripping_keeps_a_jpegs_quality():
    image = Image.linear_gradient("L").resize((256, 256)).convert("RGB")
    ImageDraw.Draw(image).ellipse((40, 40, 200, 200), fill=(200, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    original = buffer.getvalue()
    stripped = strip_photo_metadata(io.BytesIO(original), "jpg")
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(stripped)) as after:
        assert after.quantization == before.quantization
        difference = ImageChops.difference(before.convert("RGB"), after.convert("RGB"))
        # One more round of the same tables: under one level in 255 on average.
        assert max(ImageStat.Stat(difference).mean) < 1


def test_stripping_a_palette_png_keeps_its_transparency_and_drops_its_text():
    image = Image.new("P", (16, 16), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "东湖区某小区")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=1, pnginfo=info)
    stripped = strip_photo_metadata(io.BytesIO(buffer.getvalue()), "png")
    with Image.open(io.BytesIO(stripped)) as image:
        assert image.mode == "P"
        assert image.info == {"transparency": 1}


def test_stripping_drops_what_follows_the_image():
    original = make_image("PNG") + b"PK\x03\x04 trailing payload"
    stripped = strip_photo_metadata(io.BytesIO(original), "png")
    assert b"trailing payload" not in stripped
    assert stripped.endswith(b"IEND\xaeB`\x82")


def png_that_does_not_inflate() -> bytes:
    """A PNG whose chunks and CRCs are intact around pixel data that does not inflate."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"not deflate data at all")
        + chunk(b"IEND", b"")
    )


def test_a_png_whose_pixels_do_not_inflate_is_damaged():
    content = png_that_does_not_inflate()
    assert refusal(upload("坏.png", content)) == ["“坏.png” is a damaged image."]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        strip_photo_metadata(io.BytesIO(content), "png", name="dir/坏.png")
    assert caught.value.messages == ["“坏.png” is a damaged image."]
