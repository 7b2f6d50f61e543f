"""The name a file is shown and offered under: never part of a storage key, only metadata."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

MAX_NAME_LENGTH = 200
# Characters a file name shown to people or saved on their disk should not carry.
UNSAFE_NAME_RE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]+')


def sanitize_filename(name: str | None) -> str:
    """The name to show and to offer on download: the last path component, without control
    or reserved characters, leading dots or spaces, and not too long (extension kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE_NAME_RE.sub("_", name)
    name = " ".join(name.split()).lstrip(". ")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name or _("file")
