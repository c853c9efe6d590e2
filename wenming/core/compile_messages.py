"""Compile the .po catalogues to .mo with polib, so no system gettext is needed.

The compiled .mo files are committed: a fresh machine serves Chinese without any extra
system package. `python -m wenming.core.compile_messages` rebuilds them.
"""

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_all() -> list[Path]:
    """Write a .mo beside every .po under wenming/locale; return the files written."""
    written = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        catalogue = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        catalogue.save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_all():
        print(path)
