"""Progress and warning output on stderr; `-q` silences progress but never warnings."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Reports steps and downloads. Thread-safe: downloads run in parallel."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None):
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self._interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._lock = threading.Lock()
        self._last_redraw = 0.0

    def step(self, message: str) -> None:
        if not self.quiet:
            self._write(message)

    def warn(self, message: str) -> None:
        """Always shown, even with -q: warnings are how overrides stay loud."""
        self._write(f"WARNING: {message}")

    def download_started(self, url: str, size: int | None) -> None:
        if not self.quiet:
            self._write(f"  fetch {url}" + (f" ({_human(size)})" if size else ""))

    def download_progress(self, url: str, done: int, total: int | None) -> None:
        """Redraws a percentage line on a terminal, at most 5 times a second."""
        if self.quiet or not self._interactive or not total:
            return
        now = time.monotonic()
        if now - self._last_redraw < 0.2 and done < total:
            return
        self._last_redraw = now
        name = url.rsplit("/", 1)[-1][:40]
        with self._lock:
            self.stream.write(f"\r    {name}: {100 * done // total:3d}% of {_human(total)}\x1b[K")
            if done >= total:
                self.stream.write("\r\x1b[K")
            self.stream.flush()

    def _write(self, line: str) -> None:
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"
