"""Whether the Import page is open, and who may use it (operator configuration)."""

from __future__ import annotations

import hmac
import os


def import_enabled() -> bool:
    """Off unless the operator sets ESS_IMPORT_ENABLED=1."""
    return os.environ.get("ESS_IMPORT_ENABLED", "").strip().lower() in ("1", "true", "yes", "on")


def token_configured() -> bool:
    return bool(os.environ.get("ESS_IMPORT_TOKEN", ""))


def check_token(given: str) -> bool:
    expected = os.environ.get("ESS_IMPORT_TOKEN", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def max_upload_mb() -> int:
    """The upload limit, the one Streamlit enforces (server.maxUploadSize)."""
    try:
        from streamlit import config

        return int(config.get_option("server.maxUploadSize"))
    except Exception:  # noqa: BLE001 - outside a Streamlit server
        return 20
