"""How a file is shown to people: the name it is offered under (metadata only, never part of a
storage key) and its size in their language."""

from __future__ import annotations

import re
import unicodedata

from babel.units import format_unit
from flask_babel import get_locale
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


def human_size(size: int) -> str:
    """"5 GB", "50 MB", "1 kB", "58 bytes" (decimal units), in the user's language."""
    units = (("digital-gigabyte", 10**9), ("digital-megabyte", 10**6), ("digital-kilobyte", 10**3))
    for unit, factor in units:
        if size >= factor:
            return format_unit(size / factor, unit, length="short", format="#,##0.#", locale=get_locale())
    # The short form of "byte" has no plural in some languages ("58 octet"): spell it out.
    return format_unit(size, "digital-byte", length="long", locale=get_locale())
