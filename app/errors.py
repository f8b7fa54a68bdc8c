"""The domain errors and their codes: one table for both error channels.

`UserError` subclasses become payload `userErrors` (the mutation changed nothing); `TopLevelError`
subclasses become GraphQL errors with `extensions.code`. Anything else is a bug and gets masked.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class UserErrorCode(StrEnum):
    INVALID = "INVALID"
    TAKEN = "TAKEN"
    NOT_FOUND = "NOT_FOUND"
    LAST_OWNER = "LAST_OWNER"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    PROMOTION_SOURCE_NOT_ALLOWED = "PROMOTION_SOURCE_NOT_ALLOWED"
    INVALID_SPEC = "INVALID_SPEC"
    CONFLICT = "CONFLICT"


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TopLevelError(DomainError):
    code: ErrorCode


class Unauthenticated(TopLevelError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(TopLevelError):
    code = ErrorCode.FORBIDDEN


class NotFound(TopLevelError):
    code = ErrorCode.NOT_FOUND


class BadUserInput(TopLevelError):
    code = ErrorCode.BAD_USER_INPUT


class QueryTooComplex(TopLevelError):
    code = ErrorCode.QUERY_TOO_COMPLEX


class UserError(DomainError):
    code: UserErrorCode

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Invalid(UserError):
    code = UserErrorCode.INVALID


class Taken(UserError):
    code = UserErrorCode.TAKEN


class NotFoundInInput(UserError):
    code = UserErrorCode.NOT_FOUND


class LastOwner(UserError):
    code = UserErrorCode.LAST_OWNER


class InvalidTransition(UserError):
    code = UserErrorCode.INVALID_TRANSITION


class PromotionSourceNotAllowed(UserError):
    code = UserErrorCode.PROMOTION_SOURCE_NOT_ALLOWED


class InvalidSpec(UserError):
    code = UserErrorCode.INVALID_SPEC


class Conflict(UserError):
    code = UserErrorCode.CONFLICT
