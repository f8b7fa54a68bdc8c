"""Schema extensions: limits before any SQL runs, and one policy for errors."""

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import structlog
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    value_from_ast_untyped,
)
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension
from strawberry.relay import GlobalIDValueError

from app.errors import ErrorCode, TopLevelError

logger = structlog.get_logger("hubql.graphql")

# Strawberry's own limiters (depth, aliases, tokens) report plain GraphQL errors; these are their
# messages, so the clients get one code for every limit.
_LIMIT_MESSAGES = re.compile(
    r"exceeds maximum operation depth"
    r"|aliases found\. Allowed"
    r"|Document contains more than \d+ tokens"
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


class ErrorPolicy(MaskErrors):
    """Expected errors get their `extensions.code`; anything else is logged with its traceback
    and the request id, and reaches the client as INTERNAL_SERVER_ERROR with that id only."""

    def __init__(self) -> None:
        super().__init__(
            should_mask_error=lambda error: error_code(error) is None,
            error_message="Internal server error.",
        )

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
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or []:
            code = error_code(error)
            if code is not None:
                error.extensions = {**(error.extensions or {}), "code": code.value}


def _page_size(field: FieldNode, variables: dict[str, Any], default: int) -> int:
    for argument in field.arguments or ():
        if argument.name.value not in {"first", "last"}:
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return given if isinstance(given, int) else default
    return default


def estimate_nodes(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    default_page: int,
    multiplier: int = 1,
    seen: frozenset[str] = frozenset(),
) -> int:
    """GitHub's method: each connection multiplies the nodes below it by its page size."""
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if _is_connection(selection):
                size = multiplier * max(_page_size(selection, variables, default_page), 1)
                total += size + estimate_nodes(
                    selection.selection_set, fragments, variables, default_page, size, seen
                )
            else:
                total += estimate_nodes(
                    selection.selection_set, fragments, variables, default_page, multiplier, seen
                )
        elif isinstance(selection, InlineFragmentNode):
            total += estimate_nodes(
                selection.selection_set, fragments, variables, default_page, multiplier, seen
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                total += estimate_nodes(
                    fragment.selection_set,
                    fragments,
                    variables,
                    default_page,
                    multiplier,
                    seen | {name},
                )
    return total


def _is_connection(field: FieldNode) -> bool:
    """A field that pages: it takes `first`/`last`, or selects `edges` (so defaults apply)."""
    if any(argument.name.value in {"first", "last"} for argument in field.arguments or ()):
        return True
    selections = field.selection_set.selections if field.selection_set else ()
    return any(isinstance(s, FieldNode) and s.name.value == "edges" for s in selections)


class NodeBudget(SchemaExtension):
    """Rejects operations whose estimated node count exceeds the limit, before execution."""

    def __init__(self, *, max_nodes: int, default_page: int) -> None:
        self.max_nodes = max_nodes
        self.default_page = default_page

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        variables = context.variables or {}
        max_nodes, default_page = self.max_nodes, self.default_page

        class NodeBudgetRule(ValidationRule):
            def __init__(self, validation_context: ValidationContext) -> None:
                super().__init__(validation_context)
                document = validation_context.document
                fragments = {
                    d.name.value: d
                    for d in document.definitions
                    if isinstance(d, FragmentDefinitionNode)
                }
                for definition in document.definitions:
                    if not isinstance(definition, OperationDefinitionNode):
                        continue
                    # `$first: Int = 100` given no value pages by 100, not by the default page.
                    defaults = {
                        d.variable.name.value: value_from_ast_untyped(d.default_value)
                        for d in definition.variable_definitions or ()
                        if d.default_value is not None
                    }
                    estimate = estimate_nodes(
                        definition.selection_set,
                        fragments,
                        {**defaults, **variables},
                        default_page,
                    )
                    if estimate > max_nodes:
                        validation_context.report_error(
                            GraphQLError(
                                f"This operation could return about {estimate:,} nodes; the "
                                f"limit is {max_nodes:,}. Ask for smaller pages.",
                                extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value},
                            )
                        )

        context.validation_rules = (*context.validation_rules, NodeBudgetRule)
        yield


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
