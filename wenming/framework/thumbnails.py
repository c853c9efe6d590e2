"""Small previews of evidence photos, made on the server so the review page stays light."""

import io

from django.core.cache import cache
from PIL import Image

from wenming.core.uploads import IMAGE_MAX_PIXELS, PHOTO_KINDS

#: The longest side of a preview, in pixels (shown at half that on the page for sharpness).
THUMBNAIL_SIZE = 320
# A preview is cached by the file's SHA-256: one per content, whoever asks (access is
# checked before the cache is read).
CACHE_SECONDS = 7 * 24 * 3600


def thumbnail(evidence) -> bytes | None:
    """A JPEG preview of an evidence photo, at most THUMBNAIL_SIZE on its longer side."""
    if evidence.kind not in PHOTO_KINDS:
        return None
    key = f"evidence-thumbnail:{THUMBNAIL_SIZE}:{evidence.sha256}"
    content = cache.get(key)
    if content is None:
        content = _make(evidence)
        cache.set(key, content, CACHE_SECONDS)
    return content


def _make(evidence) -> bytes:
    with evidence.file.open("rb") as stream, Image.open(stream) as image:
        # The stored copy was checked on upload; the guard stays against a file put there
        # by hand.
        if image.width * image.height > IMAGE_MAX_PIXELS:
            raise ValueError("image too large for a preview")
        image.draft("RGB", (THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        # A transparent PNG is laid on white, as a page shows it, not on black.
        rgba = image.convert("RGBA")
        preview = Image.new("RGB", rgba.size, "white")
        preview.paste(rgba, mask=rgba.getchannel("A"))
    preview.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    output = io.BytesIO()
    preview.save(output, format="JPEG", quality=80, optimize=True)
    return output.getvalue()
