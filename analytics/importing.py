"""The Import page's side of an import: who may use it (operator configuration, a throttled token), and the ETL run
in a process of its own (``python -m etl.importer``), so that a hostile file costs that process, never the app's
server, and the read side never imports ``etl``."""

from __future__ import annotations

import hmac
import json
import subprocess
import sys
import threading
import time
from collections import deque

from common import settings

TIMEOUT_PREVIEW = 300   # seconds a preview may take (a workbook stops itself at 120 s)
FREE_TRIES = 3          # wrong tokens a session may type before it has to wait
GLOBAL_WINDOW = 600     # seconds over which every session's wrong tokens are counted
GLOBAL_TRIES = 10       # wrong tokens, all sessions together, before every session has to wait
MAX_WAIT = 300          # the longest wait, in seconds


def import_enabled() -> bool:
    """Off unless the operator sets ESS_IMPORT_ENABLED=1."""
    return settings.import_enabled()


def token_configured() -> bool:
    return bool(settings.import_token())


class Throttle:
    """Wrong tokens make further tries wait: per session, 5 s after the third, then doubling (10, 20 … 300 s); and
    overall, once ten wrong tokens were typed in ten minutes, every session waits a minute after the last one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: deque[float] = deque()

    def wait(self, session: dict, now: float | None = None) -> float:
        """Seconds before this session may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._failures and now - self._failures[0] > GLOBAL_WINDOW:
                self._failures.popleft()
            overall = (self._failures[-1] + 60 - now) if len(self._failures) >= GLOBAL_TRIES else 0.0
        n, last = session.get("_tok_failures", 0), session.get("_tok_last", 0.0)
        own = (last + min(MAX_WAIT, 5 * 2 ** (n - FREE_TRIES)) - now) if n >= FREE_TRIES else 0.0
        return max(0.0, own, overall)

    def check(self, given: str, session: dict, now: float | None = None) -> tuple[bool, float]:
        """(the token is right, seconds to wait): a try while waiting is not even compared."""
        now = time.monotonic() if now is None else now
        wait = self.wait(session, now)
        if wait > 0:
            return False, wait
        expected = settings.import_token()
        ok = bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
        if ok:
            session["_tok_failures"] = 0
            return True, 0.0
        session["_tok_failures"] = session.get("_tok_failures", 0) + 1
        session["_tok_last"] = now
        with self._lock:
            self._failures.append(now)
        return False, self.wait(session, now)


THROTTLE = Throttle()


def max_upload_mb() -> int:
    """The upload limit, the one Streamlit enforces (server.maxUploadSize)."""
    try:
        from streamlit import config

        return int(config.get_option("server.maxUploadSize"))
    except Exception:  # noqa: BLE001 - outside a Streamlit server
        return 20


def run(action: str, name: str = "", data: bytes = b"", lang: str = "fr", accept: bool = False,
        max_bytes: int | None = None, timeout: float | None = None) -> dict:
    """``python -m etl.importer ACTION NAME`` with the file's bytes on stdin; its JSON answer. A process that fails
    or runs out of time answers ``{"error": …}`` (the message in the user's language, no server detail)."""
    cmd = [sys.executable, "-m", "etl.importer", action, name, "--lang", lang]
    if accept:
        cmd.append("--accept")
    if max_bytes:
        cmd += ["--max-bytes", str(int(max_bytes))]
    if timeout is None:
        timeout = TIMEOUT_PREVIEW if action == "preview" else settings.lock_wait_seconds() + 600
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout, cwd=settings.ROOT, check=False)
        out = done.stdout.decode("utf-8", errors="replace").strip().splitlines()
        return json.loads(out[-1]) if out else {"error": None, "failed": True}
    except subprocess.TimeoutExpired:
        return {"error": None, "timeout": True}
    except (OSError, ValueError):
        return {"error": None, "failed": True}


def template_csv(lang: str) -> bytes:
    from common.import_format import template_csv as template

    return template(lang)
