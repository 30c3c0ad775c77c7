"""The ETL's fatal errors: each names the file (and the row, column or line) and says what is wrong, in French and
English (common/locales): ``str(error)`` is the English sentence (the CLI, logs), ``error.message(lang)`` either."""

from __future__ import annotations

from common.i18n import message


class EtlError(Exception):
    """A fatal problem: nothing is built, the previous warehouse stays as it was."""

    def __init__(self, text: str | None = None, key: str | None = None, **params):
        self.key, self.params = key, params
        super().__init__(text if text is not None else message(key, "en", **params))

    def message(self, lang: str = "en") -> str:
        return message(self.key, lang, **self.params) if self.key else str(self)


class TableError(EtlError):
    """An imported table as a whole cannot be read (its encoding, its size, its columns, a reader's error)."""
