"""Where production keeps its static files: whitenoise's storage, which remembers the
address of each file it has been asked for.

A page links about seven static files, and each ``{% static %}`` looks the name up in the
manifest, unquotes it and joins it to ``STATIC_URL``. The manifest is read once, when the
process starts, so an address found once stays right until the next deploy restarts it.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        url = self._urls.get(name)
        if url is None:  # a name not in the manifest raises, and is not remembered
            url = self._urls[name] = super().url(name)
        return url
