"""Checking uploaded evidence files (台账材料) by what they contain, never by their names.

Evidence is PDF, Word (.docx), Excel (.xlsx), JPEG or PNG. A file is identified from its
first bytes and, for Office files, from the members of its zip; the extension in the name
the user gave it plays no part in the decision. Programs, web pages and scripts, archives
carrying programs and Office files with macros are refused with a message that says so.

    checked = check_upload(request.FILES["file"])
    evidence.file.save(f"{checked.sha256}{checked.extension}", upload)

Everything here reads the upload in chunks: only the first KiB (the head) and, for Office
files, the zip's central directory are held in memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

ALLOWED_KINDS = ("pdf", "docx", "xlsx", "jpg", "png")

KIND_LABELS = {
    "pdf": _("PDF document"),
    "docx": _("Word document"),
    "xlsx": _("Excel workbook"),
    "jpg": _("JPEG image"),
    "png": _("PNG image"),
}

EXTENSIONS = {kind: f".{kind}" for kind in ALLOWED_KINDS}

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MEGABYTE = 1024 * 1024
HEAD_BYTES = 1024
CHUNK_BYTES = 64 * 1024
IMAGE_MAX_PIXELS = 60_000_000
NAME_MAX_LENGTH = 200

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ZIP_MAGIC = b"PK\x03\x04"
# Old binary Office (.doc, .xls, WPS .wps/.et) and password-protected .docx/.xlsx alike.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

PROGRAM_MAGICS = (
    b"MZ",  # Windows executables and DLLs
    b"\x7fELF",  # Linux and other Unix executables
    b"\xfe\xed\xfa\xce",  # Mach-O, 32-bit
    b"\xfe\xed\xfa\xcf",  # Mach-O, 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O, 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O, 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary (and Java classes)
    b"#!",  # shell and other interpreter scripts
)

# Looked for, case-insensitively, in the first KiB: what a browser would run or render.
MARKUP_MARKERS = (
    b"<html",
    b"<!doctype html",
    b"<script",
    b"<svg",
    b"<body",
    b"<iframe",
    b"<?php",
)

PROGRAM_SUFFIXES = (
    ".exe",
    ".js",
    ".jse",
    ".vbs",
    ".vbe",
    ".bat",
    ".cmd",
    ".ps1",
    ".scr",
    ".com",
    ".pif",
    ".msi",
    ".hta",
    ".wsf",
    ".jar",
    ".lnk",
    ".dll",
    ".cpl",
)

# Office documents that carry macros when embedded in another Office file.
MACRO_SUFFIXES = (".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppsm")

# Problems found in the content, each with its own message.
PROGRAM = "program"
MARKUP = "markup"
ARCHIVED_PROGRAM = "archived_program"
MACROS = "macros"
DAMAGED_OFFICE = "damaged_office"
LEGACY_OFFICE = "legacy_office"

OFFICE_DOCUMENT_RELATIONSHIP = re.compile(r"<Relationship\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""\b(Type|Target)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
RELS_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed: what it really is, how big, its SHA-256 and a safe name."""

    kind: str
    size: int
    sha256: str
    original_name: str
    extension: str

    @property
    def label(self):
        return KIND_LABELS[self.kind]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


@dataclass(frozen=True)
class Inspection:
    """What the content is (an allowed kind or None) and what is wrong with it, if anything."""

    kind: str | None
    problem: str | None = None


def sanitise_filename(name) -> str:
    """The name to show and store: no directories, no control characters, at most 200 long."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    # Cc: control characters; Cf: format characters such as U+202E, which shows "exe.pdf"
    # for "pdf.exe"; Zl, Zp: line and paragraph separators.
    text = "".join(
        char for char in text if unicodedata.category(char) not in {"Cc", "Cf", "Zl", "Zp"}
    )
    text = text.strip()
    if not text.strip("."):
        return "file"
    if len(text) > NAME_MAX_LENGTH:
        stem, suffix = os.path.splitext(text)
        if len(suffix) > 20:
            suffix = ""
        text = stem[: NAME_MAX_LENGTH - len(suffix)].rstrip() + suffix
    return text


def detect_kind(head: bytes, stream) -> str | None:
    """The allowed kind of this content, or None (unknown, dangerous or damaged)."""
    inspection = inspect_content(head, stream)
    return None if inspection.problem else inspection.kind


def inspect_content(head: bytes, stream) -> Inspection:
    """Identify content from its head (its first KiB) and, for zips, the stream itself."""
    if head.startswith(PROGRAM_MAGICS):
        return Inspection(None, PROGRAM)
    if head.startswith(ZIP_MAGIC):
        # Judged by its members: a stored (uncompressed) image may well contain "<svg".
        return _inspect_zip(stream)
    lowered = head[:HEAD_BYTES].lower()
    if any(marker in lowered for marker in MARKUP_MARKERS):
        # Also for a PDF or image: markup in its first KiB makes it a polyglot that a
        # browser might render as a page.
        return Inspection(None, MARKUP)
    if head.startswith(PDF_MAGIC):
        return Inspection("pdf")
    if head.startswith(PNG_MAGIC):
        return Inspection("png")
    if head.startswith(JPEG_MAGIC):
        return Inspection("jpg")
    if head.startswith(OLE_MAGIC):
        return Inspection(None, LEGACY_OFFICE)
    return Inspection(None)


def _inspect_zip(stream) -> Inspection:
    position = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            return _inspect_archive(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return Inspection(None, DAMAGED_OFFICE)
    finally:
        stream.seek(position)


def _inspect_archive(archive: zipfile.ZipFile) -> Inspection:
    names = {name.replace("\\", "/").lower(): name for name in archive.namelist()}
    for name in names:
        if name.rstrip("/").endswith(PROGRAM_SUFFIXES):
            return Inspection(None, ARCHIVED_PROGRAM)
    for name in names:
        basename = name.rsplit("/", 1)[-1]
        if (
            basename in {"vbaproject.bin", "vbaprojectsignature.bin", "vbadata.xml"}
            or name.startswith(("xl/macrosheets/", "xl/intlmacrosheets/"))
            or name.endswith(MACRO_SUFFIXES)
        ):
            return Inspection(None, MACROS)
    if "[content_types].xml" not in names:
        return Inspection(None)
    if "word/document.xml" in names:
        return Inspection("docx")
    if "xl/workbook.xml" in names:
        return Inspection("xlsx")
    # Some producers name the main part differently (word/document2.xml): follow the
    # package's officeDocument relationship, as Word and Excel themselves do.
    main = _main_part(archive, names)
    if main and main in names and main.endswith(".xml"):
        if main.startswith("word/"):
            return Inspection("docx")
        if main.startswith("xl/"):
            return Inspection("xlsx")
    return Inspection(None)


def _main_part(archive: zipfile.ZipFile, names: dict[str, str]) -> str | None:
    rels = names.get("_rels/.rels")
    if rels is None:
        return None
    with archive.open(rels) as member:
        text = member.read(RELS_MAX_BYTES).decode("utf-8", errors="replace")
    for tag in OFFICE_DOCUMENT_RELATIONSHIP.findall(text):
        attributes = {key.lower(): value for key, value in ATTRIBUTE.findall(tag)}
        if attributes.get("type", "").endswith("/officeDocument"):
            return attributes.get("target", "").lstrip("/").lower() or None
    return None


def verify_image(stream, kind: str, *, name: str | None = None) -> None:
    """Raise ValidationError unless the stream is an intact PNG or JPEG of sane dimensions."""
    name = sanitise_filename(name if name is not None else getattr(stream, "name", None))
    image_format = {"png": "PNG", "jpg": "JPEG"}[kind]
    position = stream.tell()
    try:
        stream.seek(0)
        with Image.open(stream, formats=[image_format]) as image:
            width, height = image.size
            if width * height > IMAGE_MAX_PIXELS:
                raise _too_many_pixels(name)
            image.verify()
        if kind == "jpg":
            # verify() does not look at JPEG data: decode it at 1/8 scale, which is cheap
            # and finds truncated or corrupt files.
            stream.seek(0)
            with Image.open(stream, formats=[image_format]) as image:
                image.draft(image.mode, (max(width // 8, 1), max(height // 8, 1)))
                image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        raise _too_many_pixels(name) from error
    except Exception as error:  # Pillow raises many kinds: OSError, SyntaxError, struct.error…
        raise ValidationError(
            gettext("“%(name)s” is a damaged image."),
            code="damaged_image",
            params={"name": name},
        ) from error
    finally:
        stream.seek(position)


def _too_many_pixels(name: str) -> ValidationError:
    return ValidationError(
        gettext("“%(name)s” is an image of more than %(count)d million pixels."),
        code="too_many_pixels",
        params={"name": name, "count": IMAGE_MAX_PIXELS // 1_000_000},
    )


def check_upload(uploaded_file, *, max_bytes: int | None = None) -> CheckedFile:
    """Check an upload by content; raise ValidationError, naming the file, if it is refused.

    The file is rewound to its start afterwards, whether it passed or not.
    """
    name = sanitise_filename(getattr(uploaded_file, "name", None))
    if max_bytes is None:
        max_bytes = getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES)
    try:
        declared = getattr(uploaded_file, "size", None)
        if declared is not None and declared > max_bytes:
            raise _too_large(name, max_bytes)
        uploaded_file.seek(0)
        head = _read_up_to(uploaded_file, HEAD_BYTES)
        digest = hashlib.sha256(head)
        size = len(head)
        while chunk := uploaded_file.read(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(name, max_bytes)
            digest.update(chunk)
        if size == 0:
            raise ValidationError(
                gettext("“%(name)s” is empty."), code="empty", params={"name": name}
            )
        uploaded_file.seek(0)
        inspection = inspect_content(head, uploaded_file)
        if inspection.problem:
            raise _refusal(name, inspection.problem)
        if inspection.kind is None:
            raise ValidationError(
                gettext("“%(name)s” is not a PDF, Word, Excel, JPEG or PNG file."),
                code="unsupported",
                params={"name": name},
            )
        if inspection.kind in {"png", "jpg"}:
            verify_image(uploaded_file, inspection.kind, name=name)
    finally:
        uploaded_file.seek(0)
    return CheckedFile(
        kind=inspection.kind,
        size=size,
        sha256=digest.hexdigest(),
        original_name=name,
        extension=EXTENSIONS[inspection.kind],
    )


def _read_up_to(stream, count: int) -> bytes:
    """Read `count` bytes, or up to the end, even from a stream that returns short reads."""
    parts = []
    remaining = count
    while remaining > 0:
        part = stream.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _too_large(name: str, max_bytes: int) -> ValidationError:
    if max_bytes >= MEGABYTE:
        return ValidationError(
            gettext("“%(name)s” is larger than %(size)d MB."),
            code="too_large",
            params={"name": name, "size": max_bytes // MEGABYTE},
        )
    return ValidationError(
        gettext("“%(name)s” is larger than %(size)d KB."),
        code="too_large",
        params={"name": name, "size": max(max_bytes // 1024, 1)},
    )


def _refusal(name: str, problem: str) -> ValidationError:
    messages = {
        PROGRAM: gettext("“%(name)s” is a program, not a document."),
        MARKUP: gettext("“%(name)s” is a web page or script, not a document."),
        ARCHIVED_PROGRAM: gettext("“%(name)s” is an archive containing programs."),
        MACROS: gettext("“%(name)s” contains macros, which are not accepted."),
        DAMAGED_OFFICE: gettext("“%(name)s” is a damaged Office file."),
        LEGACY_OFFICE: gettext(
            "“%(name)s” is an old-format (.doc, .xls) or password-protected Office file: "
            "save it as an unprotected .docx or .xlsx file."
        ),
    }
    return ValidationError(messages[problem], code=problem, params={"name": name})
