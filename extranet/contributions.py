"""Dataclasses that plugins return from their hooks (re-exported by ``extranet.api``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm


@dataclass(frozen=True)
class Field:
    """An expertise field. ``slug`` is the plugin's name everywhere (entry point, blueprint,
    template folder, migration branch, module key)."""

    slug: str
    label: Any  # a lazy string, translated when shown
    description: Any = ""
    icon: str = "folder"
    colour: str = "#35607a"
    order: int = 100
    settings_form: type[FlaskForm] | None = None


@dataclass(frozen=True)
class Widget:
    """A dashboard panel, loaded lazily from ``url`` (an HTML fragment)."""

    slug: str
    title: Any
    url: str
    order: int = 100
