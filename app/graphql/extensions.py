"""Schema extensions: limits before any SQL runs, and one policy for errors."""

import contextlib
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import structlog
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
)
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql import OperationType as DocumentOperation
from prometheus_client import Gauge
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension
from strawberry.relay import GlobalIDValueError
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType

from app.errors import ErrorCode, TopLevelError
from app.graphql.context import GraphQLContext
from app.graphql.cost import Measure, OperationCost, Sizes
from app.ratelimit import Budget, RateLimiter
from app.request_facts import CURRENT
from app.settings import Settings

logger = structlog.get_logger("hubql.graphql")

# Strawberry's token limiter reports a plain GraphQL error; this is its message, so the clients get
# one code for every limit.
_LIMIT_MESSAGES = re.compile(
    r"Document contains more than \d+ tokens"
    # graphql-core's own guards: nesting while parsing, and its budget for validation work.
    r"|Document is nested too deeply"
    r"|^Validation aborted\.$"
)


def error_code(error: GraphQLError) -> ErrorCode | None:
    """The code of an expected error, or None for a bug (which gets masked)."""
    original = error.original_error
    if isinstance(original, TopLevelError):
        return original.code
    if isinstance(original, GlobalIDValueError):
        return ErrorCode.BAD_USER_INPUT
    existing = (error.extensions or {}).get("code")
    if existing is not None:
        return ErrorCode(existing)
    if original is None:
        if _LIMIT_MESSAGES.search(error.message):
            return ErrorCode.QUERY_TOO_COMPLEX
        # Syntax, validation and variable-coercion errors: the document or its input is at fault.
        return ErrorCode.BAD_USER_INPUT
    if isinstance(original, GraphQLError):
        return error_code(original)
    return None


# graphql-core's suggestions (" Did you mean 'modelVersions'?"): they reveal the schema, which a
# server with introspection off keeps to itself. Names in them are quoted and hold no "?".
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")


class ErrorPolicy(MaskErrors):
    """Expected errors get their `extensions.code`; anything else is logged with its traceback
    and the request id, and reaches the client as INTERNAL_SERVER_ERROR with that id only.
    With `hide_suggestions`, messages lose graphql-core's "Did you mean" hints (Strawberry does
    not pass graphql-core's own `hide_suggestions` to validation)."""

    def __init__(self, *, hide_suggestions: bool = False) -> None:
        super().__init__(
            should_mask_error=lambda error: error_code(error) is None,
            error_message="Internal server error.",
        )
        self.hide_suggestions = hide_suggestions

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", "")
        original = error.original_error or error
        # Masking must not depend on logging working: a failing log still masks the error.
        with contextlib.suppress(Exception):
            logger.error(
                "unexpected error",
                request_id=request_id,
                path=error.path,
                exc_info=(type(original), original, original.__traceback__),
            )
        masked = super().anonymise_error(error)
        masked.extensions = {
            "code": ErrorCode.INTERNAL_SERVER_ERROR.value,
            "requestId": request_id,
        }
        return masked

    def on_operation(self) -> Iterator[None]:
        yield from super().on_operation()
        self._code(self.execution_context.result)

    def _process_result(self, result: object) -> None:
        """MaskErrors' step for a response and for each event of a subscription (before it is
        sent): codes too."""
        super()._process_result(result)
        self._code(result)

    def _code(self, result: object) -> None:
        for error in getattr(result, "errors", None) or []:
            code = error_code(error)
            if code is not None:
                error.extensions = {**(error.extensions or {}), "code": code.value}
            if self.hide_suggestions:
                error.message = _SUGGESTION.sub("", error.message)


class OperationFacts(SchemaExtension):
    """The operation's name and type, the viewer and the error codes, for the request's log
    line (`app.request_facts`)."""

    def on_operation(self) -> Iterator[None]:
        yield
        facts = CURRENT.get()
        if facts is None:
            return
        context = self.execution_context
        facts.operation_name = context.operation_name
        with contextlib.suppress(RuntimeError):  # no operation: the document did not parse
            facts.operation_type = context.operation_type.value
        viewer = getattr(context.context, "viewer", None)
        facts.viewer_id = getattr(viewer, "user_id", None)
        for error in getattr(context.result, "errors", None) or []:
            code = (error.extensions or {}).get("code")
            if isinstance(code, str):
                facts.answered(code)


class ActiveSubscriptions(SchemaExtension):
    """Subscriptions being served, on a gauge: one more once a subscription starts executing, one
    fewer when its stream ends, however it ends (completed, the socket closed, an error). The
    operation hook spans a subscription's whole stream; its type is known at execution."""

    def __init__(self, *, gauge: Gauge) -> None:
        self.gauge = gauge
        self.counted = False

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:
            if self.counted:
                self.gauge.dec()

    def on_execute(self) -> Iterator[None]:
        if self.execution_context.operation_type is OperationType.SUBSCRIPTION:
            self.gauge.inc()
            self.counted = True
        yield


class SubscriptionContext(SchemaExtension):
    """Every operation on a WebSocket (a subscription, or a query sent there) runs on a context
    of its own (`GraphQLContext.fork`), closed when its stream ends: the socket's operations
    share a viewer, never a session or a loader. (A shared loader's future is cancelled with the
    first task that stops awaiting it, which ended every other subscription waiting on it.) The
    operation hook spans the whole stream; the context graphql-core runs with is read after the
    execute hook starts."""

    def __init__(self) -> None:
        self.forked: GraphQLContext | None = None

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if self.forked is not None:
                await self.forked.close()

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        on_a_socket = isinstance(context, GraphQLContext) and context.request is None
        if on_a_socket and context.sessions is not None:
            self.forked = self.execution_context.context = context.fork()
        yield


class OperationLimits(SchemaExtension):
    """Depth, aliases and estimated nodes checked on the document before execution (one error,
    QUERY_TOO_COMPLEX, naming the first limit passed), then the viewer's budget per minute charged
    with the estimate (RATE_LIMITED with `retryAfter` when it is spent). The estimate and the
    budget are returned in `extensions.cost` and `extensions.rateLimit`."""

    def __init__(self, *, settings: Settings, limiter: RateLimiter) -> None:
        self.settings = settings
        self.limiter = limiter
        self.measures: dict[str | None, Measure] = {}
        self.budget: Budget | None = None

    def on_validate(self) -> Iterator[None]:
        # Measured once the document is known valid, not as one of validation's rules: the rules
        # are the validation cache's key, and a rule made per request (it holds the variables)
        # missed that cache every time while each entry kept its request alive. Strawberry reads
        # the errors before the hooks resume, so this runs before `yield`, after ValidationCache
        # (earlier in the extension list) has validated.
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            context.pre_execution_errors = validate_document(
                context.schema._schema, context.graphql_document, context.validation_rules
            )
        if not context.pre_execution_errors and context.graphql_document is not None:
            problems = self.over_http(context.graphql_document) or self.check(
                context.schema._schema, context.graphql_document
            )
            if problems:
                context.pre_execution_errors = problems
        yield

    def over_http(self, document: DocumentNode) -> list[GraphQLError]:
        """A subscription sent over HTTP would run its event stream as a plain field (and fail
        as an internal error): it is refused, saying where subscriptions are served."""
        context = self.execution_context.context
        if not isinstance(context, GraphQLContext) or context.request is None:
            return []
        wanted = self.execution_context.operation_name
        for operation in document.definitions:
            if (
                isinstance(operation, OperationDefinitionNode)
                and operation.operation is DocumentOperation.SUBSCRIPTION
                and (wanted is None or (operation.name and operation.name.value == wanted))
            ):
                message = (
                    "Subscriptions are served over WebSocket (the graphql-transport-ws protocol) "
                    "at this endpoint, not over HTTP."
                )
                extensions = {"code": ErrorCode.BAD_USER_INPUT.value}
                return [GraphQLError(message, operation, extensions=extensions)]
        return []

    def check(self, schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
        settings = self.settings
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        sizes = Sizes(default_page=settings.default_page_size, longest_list=settings.max_page_size)
        variables = self.execution_context.variables or {}
        problems: list[GraphQLError] = []
        for operation in document.definitions:
            if not isinstance(operation, OperationDefinitionNode):
                continue
            measure = OperationCost(schema, fragments, operation, variables, sizes).measure()
            self.measures[operation.name.value if operation.name else None] = measure
            problem = _over_limits(measure, settings)
            if problem is not None:
                problems.append(
                    GraphQLError(
                        problem, operation, extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value}
                    )
                )
        return problems

    def executing_measure(self) -> Measure | None:
        name = self.execution_context.operation_name
        if name is None and len(self.measures) == 1:
            return next(iter(self.measures.values()))
        return self.measures.get(name)

    def on_execute(self) -> Iterator[None]:
        measure = self.executing_measure()
        context = self.execution_context.context
        if measure is not None and self.limiter.enabled and isinstance(context, GraphQLContext):
            self.budget = self.limiter.charge(_viewer_key(context), max(1, measure.nodes))
            context.rate_limit = self.budget
            if not self.budget.allowed:
                self.execution_context.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            f"This operation costs {self.budget.cost:,}; "
                            f"{self.budget.remaining:,} of your {self.budget.limit:,} per minute "
                            f"are left. Retry in {self.budget.retry_after} s.",
                            extensions={
                                "code": ErrorCode.RATE_LIMITED.value,
                                "retryAfter": self.budget.retry_after,
                            },
                        )
                    ],
                )
        yield

    def get_results(self) -> dict[str, Any]:
        measure = self.executing_measure()
        if measure is None:
            return {}
        results: dict[str, Any] = {
            "cost": {"requestedNodes": measure.nodes, "maxNodes": self.settings.max_nodes}
        }
        if self.budget is not None:
            results["rateLimit"] = {
                "limit": self.budget.limit,
                "cost": self.budget.cost,
                "remaining": self.budget.remaining,
                "resetAt": self.budget.reset_at.isoformat(),
            }
        return results


def _over_limits(measure: Measure, settings: Settings) -> str | None:
    if measure.depth > settings.max_depth:
        return (
            f"This operation nests fields {measure.depth} deep; the maximum operation depth "
            f"is {settings.max_depth}."
        )
    if measure.aliases > settings.max_aliases:
        return f"{measure.aliases:,} aliases found. Allowed: {settings.max_aliases}."
    if measure.nodes > settings.max_nodes:
        return (
            f"This operation could return about {measure.nodes:,} nodes; the "
            f"limit is {settings.max_nodes:,}. Ask for smaller pages."
        )
    return None


def _viewer_key(context: GraphQLContext) -> str:
    """Whose budget: a signed-in user's own; anonymous viewers' per client address."""
    if context.viewer.user_id is not None:
        return f"user:{context.viewer.user_id}"
    client = context.request.client if context.request is not None else None
    return f"address:{client.host if client else 'unknown'}"


class SafeParserCache(ParserCache):
    """Strawberry's ParserCache parses inside its `on_parse` hook, so a syntax error (or the token
    limit) escapes the operation, and ErrorPolicy with it: no `extensions.code`. On failure, leave
    the document unset: Strawberry parses again and reports the error inside the operation."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield
