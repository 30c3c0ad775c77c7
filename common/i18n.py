"""The message catalogue: one file per language (common/locales/fr.toml, en.toml), keys 'section.name', values
str.format templates. French first; a key missing in a language falls back to the other, then to the key."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent / "locales"
LANGS = ("fr", "en")


@lru_cache(maxsize=2)
def catalogue(lang: str) -> dict[str, str]:
    with (LOCALES / f"{lang}.toml").open("rb") as fh:
        data = tomllib.load(fh)
    flat: dict[str, str] = {}

    def walk(prefix: str, node) -> None:
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict):
                walk(key, v)
            else:
                flat[key] = str(v)

    walk("", data)
    return flat


def message(key: str | None, lang: str = "fr", **params) -> str:
    if key is None:
        return ""
    lang = lang if lang in LANGS else "fr"
    template = catalogue(lang).get(key) or catalogue("en" if lang == "fr" else "fr").get(key) or key
    try:
        return template.format(**params) if params else template
    except (KeyError, IndexError, ValueError):
        return template
