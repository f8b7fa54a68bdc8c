"""The server's log, captured: what structlog printed to stderr during a test."""

import json
import sys
from dataclasses import dataclass
from typing import Any, TextIO, cast

import pytest
import structlog

from app import http as http_module
from app.graphql import extensions as graphql_extensions
from app.graphql import view as view_module
from app.logging import configure_logging
from app.settings import Settings


@dataclass
class ServerLog:
    """What the server printed to stderr (structlog, one JSON object a line) during a test."""

    capsys: pytest.CaptureFixture[str]
    text: str = ""

    def read(self) -> str:
        self.text += self.capsys.readouterr().err
        return self.text

    def records(self) -> list[dict[str, Any]]:
        records = []
        for line in self.read().splitlines():
            if line.startswith("{"):
                record: dict[str, Any] = json.loads(line)
                records.append(record)
        return records

    def unexpected_errors(self) -> list[dict[str, Any]]:
        return [r for r in self.records() if r.get("event") == "unexpected error"]


class _CurrentStderr:
    """Writes to whatever `sys.stderr` is at the time: capsys swaps it between test phases."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def capture_server_log(
    capsys: pytest.CaptureFixture[str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> ServerLog:
    """Capture what the server logs from now on, configured by `settings`.

    structlog binds its output stream when configured, and its loggers cache that on first use,
    while capsys gives each test phase a new stderr: print to the current one instead, and give
    the modules fresh loggers (restored afterwards, so no logger keeps a stream of this test).
    """
    configure_logging(settings)
    factory = structlog.PrintLoggerFactory(cast("TextIO", _CurrentStderr()))
    structlog.configure(logger_factory=factory)
    monkeypatch.setattr(graphql_extensions, "logger", structlog.get_logger("hubql.graphql"))
    monkeypatch.setattr(view_module, "logger", structlog.get_logger("hubql.http"))
    monkeypatch.setattr(http_module, "access_logger", structlog.get_logger("hubql.access"))
    return ServerLog(capsys)
