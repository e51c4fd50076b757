from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files for production.

    Vendor packages from npm sometimes reference files they do not ship (Tabler's
    bundled tom-select names a .css.map that is not in the package); such a
    reference is left as written instead of failing collectstatic.
    """

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            if name.strip().endswith(".map"):
                return name
            raise
