"""What the log line and the metrics of one HTTP request know beyond method, path and status: the
GraphQL operation, the viewer, the SQL statements it ran and the error codes it answered with.
Filled in as the request runs (by the GraphQL extension, the GraphQL view and the engine), read
when it ends."""

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestFacts:
    operation_name: str | None = None
    operation_type: str | None = None
    viewer_id: int | None = None
    statements: int = 0
    error_codes: list[str] = field(default_factory=list)

    def answered(self, code: str) -> None:
        """The response carries an error with this `extensions.code` (each code listed once)."""
        if code not in self.error_codes:
            self.error_codes.append(code)

    def fields(self) -> dict[str, Any]:
        """The log fields, the operation's only when there was one."""
        found: dict[str, Any] = {"statements": self.statements}
        if self.operation_type is not None:
            found.update(
                operation=self.operation_name,
                operation_type=self.operation_type,
                viewer_id=self.viewer_id,
                error_codes=self.error_codes,
            )
        return found


# The facts of the request being served (every task it starts sees them too).
CURRENT: ContextVar[RequestFacts | None] = ContextVar("hubql_request_facts", default=None)


def count_statement(*_: Any) -> None:
    """An engine's `before_cursor_execute` listener: one more statement for this request."""
    facts = CURRENT.get()
    if facts is not None:
        facts.statements += 1
