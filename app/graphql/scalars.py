"""The edge of the graph: scalars and document literals checked by the rules of `app.values`.

GraphQL's own `String` cannot be redefined (graphql-core refuses), so text arrives by two roads
that are each guarded once: variables through the request decoder (`GraphQLApp.decode_json`), and
literals in the document through `InputLiteralsRule` here. `DateTime` and `JSON` are hubql's own
definitions of Strawberry's scalars, with the same names, so the SDL keeps its shape.
"""

from datetime import datetime
from typing import Any

from graphql import FloatValueNode, GraphQLError, StringValueNode, ValidationRule
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from app.errors import BadUserInput, ErrorCode
from app.values import check_json, parse_instant, text_problem


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise BadUserInput("A DateTime is an ISO 8601 string with a UTC offset.")
    return parse_instant(value, "a DateTime")


def _serialize_datetime(value: datetime) -> str:
    return value.isoformat()


DateTimeScalar = ScalarDefinition(
    name="DateTime",
    description=(
        "An instant as an ISO 8601 string with a UTC offset, e.g. `2026-11-30T12:00:00+00:00`; "
        "answered in UTC."
    ),
    specified_by_url=None,
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
    parse_literal=None,
    origin=datetime,
)

JSONScalar = ScalarDefinition(
    name="JSON",
    description=(
        "The `JSON` scalar type represents JSON values as specified by "
        "[ECMA-404](https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf)."
    ),
    specified_by_url=(
        "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf"
    ),
    serialize=lambda value: value,
    parse_value=lambda value: check_json(value, "a JSON value"),
    parse_literal=None,
    origin=JSON,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {datetime: DateTimeScalar, JSON: JSONScalar}


class InputLiteralsRule(ValidationRule):
    """Literals in the document follow the text and number rules, whatever type they are for."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        problem = text_problem(node.value)
        if problem is not None:
            self._refuse(node, f"A string in the document contains {problem}.")

    def enter_float_value(self, node: FloatValueNode, *_: Any) -> None:
        try:
            finite = float(node.value) not in {float("inf"), float("-inf")}
        except ValueError:
            finite = False
        if not finite:
            self._refuse(node, f"The number {node.value[:32]} is not a finite number.")

    def _refuse(self, node: StringValueNode | FloatValueNode, message: str) -> None:
        self.report_error(
            GraphQLError(message, node, extensions={"code": ErrorCode.BAD_USER_INPUT.value})
        )
