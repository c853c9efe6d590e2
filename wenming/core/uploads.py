"""Checking uploaded evidence files (台账材料) by what they contain, never by their names.

Evidence is PDF, Word (.docx), Excel (.xlsx), JPEG or PNG. A file is identified from its
first bytes and, for Office files, from the members of its zip; the extension in the name
the user gave it plays no part in the decision. Programs, web pages and scripts, archives
carrying programs, Office files with macros and archives that unpack to far more than
they weigh are refused with a message that says so. Stored and served, a file carries the
extension and content type of what it is (`download_name`, `content_disposition`), and a
photo is stored without its metadata (`strip_photo_metadata`).

    checked = check_upload(request.FILES["file"])
    evidence.file.save(f"{checked.sha256}{checked.extension}", upload)

Checking reads the upload in chunks: only the first KiB (the head), one chunk at a time
while looking for markup, and, for Office files, the zip's central directory are held in
memory. Why these rules: docs/decisions/0007-evidence-checked-by-content.md.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, JpegImagePlugin

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

# Shown in the browser when opened; Office files are always saved, never opened in place.
INLINE_KINDS = frozenset({"pdf", "jpg", "png"})
PHOTO_KINDS = frozenset({"jpg", "png"})

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MEGABYTE = 1024 * 1024
HEAD_BYTES = 1024
CHUNK_BYTES = 64 * 1024
SCAN_CHUNK_BYTES = 1024 * 1024
# Carried from one chunk to the next so that a marker cut in two is still found.
SCAN_OVERLAP_BYTES = 64
# An Office file may unpack to this much in all (declared sizes of its members) ...
DEFAULT_ARCHIVE_MAX_BYTES = 200 * MEGABYTE
# ... and to at most this many times what its members weigh compressed. Real Office files
# are 5 to 20 times; a zip bomb is hundreds to a thousand.
DEFAULT_ARCHIVE_MAX_RATIO = 100
# Below this much unpacked, the ratio does no harm and is not judged.
ARCHIVE_RATIO_FLOOR_BYTES = 10 * MEGABYTE
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

# Looked for, case-insensitively, in the first KiB, where a browser sniffing the type
# looks: any sign of a page or of an image a browser renders.
MARKUP_MARKERS = (
    b"<html",
    b"<!doctype html",
    b"<script",
    b"<svg",
    b"<body",
    b"<iframe",
    b"<?php",
)

# Looked for, case-insensitively, in the whole of a PDF or image: markup that runs script
# or pulls in other content when the bytes are rendered as a page. Compressed data (image
# pixels, PDF streams) is random-looking bytes, so short tags such as "<svg" or "<html"
# turn up in it by chance (about one 20 MB file in 30 holds "<svg"); these are long
# enough that chance puts one in fewer than one file in 100,000.
ACTIVE_MARKUP = (b"<script", b"<iframe", b"<object", b"<embed", b"<!doctype html")
# PDFs are not judged by "javascript:": Word keeps `javascript:void(0)` links pasted from
# web pages as link targets, and a PDF reader does not run them. A photo has no reason
# to carry one.
BODY_MARKUP = {
    "pdf": ACTIVE_MARKUP,
    "png": (*ACTIVE_MARKUP, b"javascript:"),
    "jpg": (*ACTIVE_MARKUP, b"javascript:"),
}
# Event-handler attributes (`<svg/onload=…>`, `<img src=x onerror=…>`): the name, then
# "=" after at most a few spaces, after a space, slash or quote.
EVENT_HANDLERS = (b"onload", b"onerror", b"onbegin", b"onfocus", b"ontoggle", b"onpageshow")
EVENT_HANDLER_ASSIGNMENT = re.compile(rb"\s{0,20}=")
EVENT_HANDLER_SEPARATORS = b" \t\n\r\x0c/\"'"

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
ARCHIVE_TOO_LARGE = "archive_too_large"
ARCHIVE_BOMB = "archive_bomb"
UNSAFE_PATHS = "unsafe_paths"

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
    kind = None
    if head.startswith(PDF_MAGIC):
        kind = "pdf"
    elif head.startswith(PNG_MAGIC):
        kind = "png"
    elif head.startswith(JPEG_MAGIC):
        kind = "jpg"
    elif head.startswith(OLE_MAGIC):
        return Inspection(None, LEGACY_OFFICE)
    else:
        return Inspection(None)
    # A polyglot hides its page after the head, where the sniffing does not look.
    if _contains_markup(stream, BODY_MARKUP[kind]):
        return Inspection(None, MARKUP)
    return Inspection(kind)


def _contains_markup(stream, markers: tuple[bytes, ...]) -> bool:
    """Whether the whole stream holds one of the markers or an event-handler attribute."""
    position = stream.tell()
    try:
        stream.seek(0)
        tail = b""
        while chunk := stream.read(SCAN_CHUNK_BYTES):
            window = tail + chunk.lower()
            if any(marker in window for marker in markers) or _has_event_handler(window):
                return True
            tail = window[-SCAN_OVERLAP_BYTES:]
        return False
    finally:
        stream.seek(position)


def _has_event_handler(window: bytes) -> bool:
    for name in EVENT_HANDLERS:
        start = window.find(name)
        while start != -1:
            if (
                start > 0
                and window[start - 1] in EVENT_HANDLER_SEPARATORS
                and EVENT_HANDLER_ASSIGNMENT.match(window, start + len(name))
            ):
                return True
            start = window.find(name, start + 1)
    return False


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
    members = archive.infolist()
    if any(_is_unsafe_member_name(member.filename) for member in members):
        return Inspection(None, UNSAFE_PATHS)
    # Judged by the sizes the archive declares, without unpacking anything.
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if unpacked > archive_max_bytes():
        return Inspection(None, ARCHIVE_TOO_LARGE)
    if unpacked > ARCHIVE_RATIO_FLOOR_BYTES and unpacked > archive_max_ratio() * max(packed, 1):
        return Inspection(None, ARCHIVE_BOMB)
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


def _is_unsafe_member_name(name: str) -> bool:
    """Whether unpacking this member would write outside the folder it is unpacked in."""
    path = name.replace("\\", "/")
    if path.startswith("/") or re.match(r"[A-Za-z]:", path):
        return True
    return ".." in path.split("/")


def archive_max_bytes() -> int:
    """How much an Office file may unpack to, in all (EVIDENCE_ARCHIVE_MAX_BYTES)."""
    return getattr(settings, "EVIDENCE_ARCHIVE_MAX_BYTES", DEFAULT_ARCHIVE_MAX_BYTES)


def archive_max_ratio() -> int:
    """How many times its compressed size an Office file may unpack to."""
    return getattr(settings, "EVIDENCE_ARCHIVE_MAX_RATIO", DEFAULT_ARCHIVE_MAX_RATIO)


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
        stream.seek(0)
        with Image.open(stream, formats=[image_format]) as image:
            if kind == "jpg":
                # verify() does not look at JPEG data: decode it at 1/8 scale, which is
                # cheap and finds truncated or corrupt files.
                image.draft(image.mode, (max(width // 8, 1), max(height // 8, 1)))
            # PNG pixels are decoded in full: verify() checks chunks and CRCs, not whether
            # the data inflates, and the photo is re-encoded when it is stored.
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
    params = {"name": name}
    if problem == ARCHIVE_TOO_LARGE:
        params["size"] = archive_max_bytes() // MEGABYTE
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
        ARCHIVE_TOO_LARGE: gettext("“%(name)s” unpacks to more than %(size)d MB."),
        ARCHIVE_BOMB: gettext(
            "“%(name)s” unpacks to far more than it weighs, as an archive bomb does."
        ),
        UNSAFE_PATHS: gettext("“%(name)s” holds files with absolute paths or “..” in their paths."),
    }
    return ValidationError(messages[problem], code=problem, params=params)


# Storing and serving ---------------------------------------------------------------------


def download_name(original_name, kind: str) -> str:
    """The name a file is downloaded or packed under: its original stem, its real extension.

    `x.html` that is a PDF becomes `x.pdf`; a name without a usable stem becomes `file.pdf`.
    """
    stem = os.path.splitext(sanitise_filename(original_name))[0].strip(" .")
    return f"{stem or 'file'}{EXTENSIONS[kind]}"


def content_disposition(name: str, *, inline: bool) -> str:
    """A Content-Disposition header for `name` (RFC 6266): an ASCII name, then the UTF-8 one.

    Old clients read `filename`, which keeps only the printable ASCII of the name (or
    "file"); others read `filename*`, which carries the name itself, percent-encoded.
    """
    stem, extension = os.path.splitext(name)
    ascii_stem = "".join(char for char in stem if " " <= char <= "~" and char not in '"\\%;').strip(
        " ."
    )
    fallback = f"{ascii_stem or 'file'}{extension}"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def strip_photo_metadata(stream, kind: str, *, name: str | None = None) -> bytes:
    """The photo re-encoded without metadata: no EXIF (GPS, camera, time), XMP or comments.

    The EXIF orientation is applied to the pixels first, so the photo still shows upright.
    JPEG keeps its quantisation tables and chroma subsampling, so the new file loses next
    to nothing; PNG is lossless anyway. The colour profile is kept. Anything after the
    image data (a polyglot's payload) is dropped too. Pixels that cannot be decoded in
    full raise ValidationError, naming the file.
    """
    image_format = {"png": "PNG", "jpg": "JPEG"}[kind]
    position = stream.tell()
    try:
        stream.seek(0)
        with Image.open(stream, formats=[image_format]) as image:
            options = {}
            if kind == "jpg":
                options["qtables"] = image.quantization
                subsampling = JpegImagePlugin.get_sampling(image)
                if subsampling != -1:
                    options["subsampling"] = subsampling
                options["progressive"] = bool(image.info.get("progressive"))
            elif "transparency" in image.info:
                options["transparency"] = image.info["transparency"]
            if image.info.get("icc_profile"):
                options["icc_profile"] = image.info["icc_profile"]
            upright = ImageOps.exif_transpose(image)
        # Pillow writes some metadata (a JPEG comment) from `info` on its own.
        upright.info = {}
        output = io.BytesIO()
        upright.save(output, format=image_format, **options)
        return output.getvalue()
    except Exception as error:  # Pillow raises many kinds: OSError, SyntaxError, struct.error…
        # verify_image checks chunks and decodes JPEG at 1/8 scale; full decoding can still
        # find PNG pixel data that does not inflate.
        raise ValidationError(
            gettext("“%(name)s” is a damaged image."),
            code="damaged_image",
            params={"name": sanitise_filename(name)},
        ) from error
    finally:
        stream.seek(position)
