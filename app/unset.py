"""`UNSET`: a keyword a service was not given (to change nothing), as opposed to `None` (to
clear it). One sentinel for every service; the graph passes only the fields a client gave."""

from typing import Any

UNSET: Any = object()
