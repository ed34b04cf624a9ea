"""Structured logs: one JSON object a line on stdout, in the shape of the TypeScript functions' logs."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any


class Logger:
    def __init__(self, component: str) -> None:
        self.component = component

    def _emit(self, level: str, msg: str, fields: dict[str, Any]) -> None:
        time = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        sys.stdout.write(json.dumps({"time": time, "level": level, "component": self.component, "msg": msg, **fields}, default=str) + "\n")
        sys.stdout.flush()

    def info(self, msg: str, **fields: Any) -> None:
        self._emit("info", msg, fields)

    def warn(self, msg: str, **fields: Any) -> None:
        self._emit("warn", msg, fields)

    def error(self, msg: str, **fields: Any) -> None:
        self._emit("error", msg, fields)
