"""Compile the .po catalogues to .mo with polib (no GNU gettext needed on a fresh machine).

Source strings are Chinese (the default language); English lives in each app's locale/en (and districtops/locale for the shared templates).
"""

from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parent.parent


def main() -> None:
    for po_path in PACKAGE.glob("**/locale/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        print(f"compiled {po_path.relative_to(PACKAGE.parent)}")


if __name__ == "__main__":
    main()
