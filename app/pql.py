"""Polyaxon's query language (PQL): a lark grammar, an AST, and a compiler to SQLAlchemy.

    (stage:production | tags:golden), ~status:failed, metrics.accuracy:>0.9,
    created_at:2026-01-01 .. 2026-06-30

AND is `,` or `AND`; OR is ` | ` (with spaces) or `OR`; AND binds tighter; parentheses group; `~`
negates a condition (before the field or the value). Values: `v` (equals), `a|b` (any of), `nil`
(is null), `>v` `>=v` `<v` `<=v`, `d1 .. d2` (a range), `%x%` `x%` `%x` (case-insensitive like).

The typed `filter` inputs build the same `Condition`s, so both forms compile to one predicate.
This module and `app/db.py` are the only places with dialect branches (JSON paths and tags).
"""

from __future__ import annotations

import enum
import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

from app.errors import BadUserInput
from app.values import text_problem, utc_instant

MAX_QUERY_LENGTH = 2000
# Deeper nesting is no query a person writes, and would exhaust the stack of the tree walks.
MAX_NESTING = 16
# Alternatives in one condition (`a|b|…`, or a typed filter's list): far below any driver's
# limit on bound parameters (32,767 in asyncpg and SQLite).
MAX_VALUES = 100

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: unary (_AND unary)*
?unary: NOT atom -> negated
      | atom
?atom: _LPAR or_expr _RPAR
     | condition
condition: FIELD _COLON value
?value: BARE _RANGE BARE -> range
      | QUOTED -> quoted
      | BARE -> bare

NOT: "~"
FIELD: /[A-Za-z_][A-Za-z0-9_.-]*/
_COLON: /\s*:\s*/
QUOTED: /"(?:[^"\\]|\\.)*"/
BARE: /[^\s,()":][^\s,()"]*/
_RANGE: /\s+\.\.\s+/
_OR: /\s+\|\s+/ | /\s+OR\s+/i
_AND: /\s*,\s*/ | /\s+AND\s+/i
_LPAR: /\(\s*/
_RPAR: /\s*\)/
"""

_PARSER = Lark(GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=False)


class Op(enum.StrEnum):
    EQ = "eq"
    IN = "in"
    NIL = "nil"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"
    RANGE = "range"
    LIKE = "like"
    # The related row with this row id: typed filters only (they take global ids); the query
    # language has no spelling for it.
    ROW = "row"


@dataclass(frozen=True)
class Condition:
    field: str
    op: Op
    values: tuple[str, ...] = ()
    negated: bool = False


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Expression, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Expression, ...]


@dataclass(frozen=True)
class Not:
    part: Expression


Expression = Condition | AllOf | AnyOf | Not

_COMPARISONS = ((">=", Op.GE), ("<=", Op.LE), (">", Op.GT), ("<", Op.LT))


def _value_condition(name: str, raw: str) -> Condition:
    negated = raw.startswith("~")
    if negated:
        raw = raw[1:]
    if not raw:
        raise BadUserInput(f"query: `{name}:` needs a value.")
    if raw.lower() == "nil":
        return Condition(name, Op.NIL, (), negated)
    for prefix, op in _COMPARISONS:
        if raw.startswith(prefix):
            return Condition(name, op, (raw[len(prefix) :],), negated)
    if ".." in raw:
        low, _, high = raw.partition("..")
        return Condition(name, Op.RANGE, (low, high), negated)
    if raw.startswith("%") or raw.endswith("%"):
        return Condition(name, Op.LIKE, (raw,), negated)
    if "|" in raw:
        values = tuple(raw.split("|"))
        if any(not value for value in values):
            raise BadUserInput(f"query: empty alternative in `{name}:{raw}`.")
        return Condition(name, Op.IN, values, negated)
    return Condition(name, Op.EQ, (raw,), negated)


@v_args(inline=True)
class _ToAst(Transformer[Token, Expression]):
    def condition(self, name: Token, value: tuple[str, str]) -> Condition:
        kind, raw = value
        head, dot, key = str(name).partition(".")
        field_name = head.lower() + dot + key
        if kind == "quoted":
            return Condition(field_name, Op.EQ, (raw,))
        if kind == "range":
            low, high = raw.split("\0")
            negated = low.startswith("~")
            return Condition(field_name, Op.RANGE, (low.removeprefix("~"), high), negated)
        return _value_condition(field_name, raw)

    def bare(self, token: Token) -> tuple[str, str]:
        return ("bare", str(token))

    def quoted(self, token: Token) -> tuple[str, str]:
        return ("quoted", re.sub(r"\\(.)", r"\1", str(token)[1:-1]))

    def range(self, low: Token, high: Token) -> tuple[str, str]:
        return ("range", f"{low}\0{high}")

    def negated(self, _: Token, part: Expression) -> Expression:
        if isinstance(part, Condition):
            return Condition(part.field, part.op, part.values, not part.negated)
        return Not(part)

    def and_expr(self, *parts: Expression) -> AllOf:
        return AllOf(tuple(parts))

    def or_expr(self, *parts: Expression) -> AnyOf:
        return AnyOf(tuple(parts))


def _describe(error: UnexpectedInput, query: str) -> str:
    column = getattr(error, "column", None) or 0
    if isinstance(error, UnexpectedToken):
        if error.token.type == "$END":
            return _ends_early(query)
        found = str(error.token).strip() or repr(str(error.token))
        return f"query: unexpected `{found}` at column {column}."
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream or 0
        rest = query[position:].lstrip()
        found = rest[:24].split(maxsplit=1)[0] if rest else query[position]
        return f"query: unexpected `{found}` at column {column}."
    if isinstance(error, UnexpectedEOF):
        return _ends_early(query)
    return f"query: cannot read it at column {column}."


def _ends_early(query: str) -> str:
    last = query.rsplit(maxsplit=1)[-1][-24:]
    return f"query: it ends too early after `{last}` (an unfinished condition or parenthesis)."


# A frontend sends the same few queries again and again; parsing is pure (values stay text until
# compiled), so the trees of recent ones are kept. Refusals are not cached: they raise.
@lru_cache(maxsize=512)
def parse(query: str) -> Expression:
    text = query.strip()
    if not text:
        raise BadUserInput("query: it is empty.")
    if len(text) > MAX_QUERY_LENGTH:
        raise BadUserInput(f"query: at most {MAX_QUERY_LENGTH} characters.")
    problem = text_problem(text)
    if problem is not None:
        raise BadUserInput(f"query: it contains {problem}, which is not allowed in text.")
    if _nesting(text) > MAX_NESTING:
        raise BadUserInput(f"query: parentheses nest at most {MAX_NESTING} deep.")
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as error:
        raise BadUserInput(_describe(error, text)) from error
    try:
        result = _ToAst().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, BadUserInput):
            raise error.orig_exc from None
        raise
    assert isinstance(result, Condition | AllOf | AnyOf | Not)
    return result


def _nesting(text: str) -> int:
    """How deep parentheses nest outside quoted values (unbalanced ones are the parser's)."""
    depth = deepest = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[()]', text):
        if token.group() == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif token.group() == ")":
            depth = max(depth - 1, 0)
    return deepest


# ---- values ------------------------------------------------------------------------------------


def parse_datetime(raw: str, name: str) -> tuple[datetime, bool]:
    """A datetime (UTC when no offset), and whether it was a bare date (a whole day)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            day = date.fromisoformat(raw)
            return datetime(day.year, day.month, day.day, tzinfo=UTC), True
        moment = datetime.fromisoformat(raw)
    except ValueError as error:
        raise BadUserInput(f"query: `{name}` needs a date or datetime, not `{raw}`.") from error
    # The language reads a datetime without an offset as UTC (a filter, never stored).
    return utc_instant(moment if moment.tzinfo else moment.replace(tzinfo=UTC), name), False


def _day_after(moment: datetime) -> datetime | None:
    """The end of a whole-day bound, or None past the calendar's last day (no end needed)."""
    try:
        return moment + timedelta(days=1)
    except OverflowError:
        return None


def like_pattern(raw: str) -> str:
    """`%x%` with the user's text escaped, so `_` and `\\` match themselves."""
    lead, trail = raw.startswith("%"), len(raw) > 1 and raw.endswith("%")
    body = raw[1 if lead else 0 : len(raw) - 1 if trail else len(raw)]
    escaped = body.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
    return f"{'%' if lead else ''}{escaped.lower()}{'%' if trail else ''}"


# ---- fields ------------------------------------------------------------------------------------


class Field(ABC):
    """How one queryable field compiles each operation."""

    ops: frozenset[Op] = frozenset()

    @abstractmethod
    def compile(self, condition: Condition) -> ColumnElement[bool]: ...

    def check(self, condition: Condition) -> None:
        if condition.op not in self.ops:
            allowed = ", ".join(sorted(op.value for op in self.ops))
            raise BadUserInput(
                f"query: `{condition.field}` does not support `{condition.op.value}` "
                f"(it supports {allowed})."
            )


@dataclass
class TextField(Field):
    column: Any
    ops: frozenset[Op] = frozenset({Op.EQ, Op.IN, Op.NIL, Op.LIKE})

    def compile(self, condition: Condition) -> ColumnElement[bool]:
        column, values = self.column, condition.values
        match condition.op:
            case Op.EQ:
                return column == values[0]  # type: ignore[no-any-return]
            case Op.IN:
                return column.in_(values)  # type: ignore[no-any-return]
            case Op.NIL:
                return column.is_(None)  # type: ignore[no-any-return]
            case _:
                return func.lower(column).like(like_pattern(values[0]), escape="\\")


@dataclass
class SlugField(TextField):
    """A slug name: stored in lowercase and case-insensitive, so `name:V2` finds `v2`, as the
    typed `filter: {name: "V2"}` does."""

    def compile(self, condition: Condition) -> ColumnElement[bool]:
        if condition.op in {Op.EQ, Op.IN}:
            condition = replace(condition, values=tuple(v.lower() for v in condition.values))
        return super().compile(condition)


@dataclass
class EnumField(Field):
    column: Any
    choices: type[enum.Enum]
    ops: frozenset[Op] = frozenset({Op.EQ, Op.IN, Op.NIL})

    def member(self, raw: str, name: str) -> enum.Enum:
        try:
            return self.choices[raw.upper()]
        except KeyError as error:
            choices = ", ".join(member.name.lower() for member in self.choices)
            raise BadUserInput(f"query: `{name}` is one of {choices}; not `{raw}`.") from error

    def compile(self, condition: Condition) -> ColumnElement[bool]:
        members = [self.member(raw, condition.field) for raw in condition.values]
        match condition.op:
            case Op.EQ:
                return self.column == members[0]  # type: ignore[no-any-return]
            case Op.IN:
                return self.column.in_(members)  # type: ignore[no-any-return]
            case _:
                return self.column.is_(None)  # type: ignore[no-any-return]


@dataclass
class DateTimeField(Field):
    column: Any
    ops: frozenset[Op] = frozenset({Op.EQ, Op.NIL, Op.GT, Op.GE, Op.LT, Op.LE, Op.RANGE})

    def compile(self, condition: Condition) -> ColumnElement[bool]:
        column: ColumnElement[Any] = self.column
        name = condition.field
        if condition.op is Op.NIL:
            return column.is_(None)
        bounds = [parse_datetime(raw, name) for raw in condition.values]
        start, whole_day = bounds[0]
        # `end` excludes: the first instant after the value (None: after the calendar's end).
        end = _day_after(start) if whole_day else start
        match condition.op:
            case Op.EQ:
                if not whole_day:
                    return column == start
                return column >= start if end is None else and_(column >= start, column < end)
            case Op.GT:
                if not whole_day:
                    return column > start
                return false() if end is None else column >= end
            case Op.GE:
                return column >= start
            case Op.LT:
                return column < start
            case Op.LE:
                if not whole_day:
                    return column <= start
                return column.is_not(None) if end is None else column < end
            case _:
                high, high_day = bounds[1]
                high_end = _day_after(high) if high_day else high
                if high_end is not None and high_end < start:
                    raise BadUserInput(f"query: the `{name}` range ends before it starts.")
                if high_end is None:
                    return column >= start
                upper = column < high_end if high_day else column <= high
                return and_(column >= start, upper)


@dataclass
class TagsField(Field):
    """A JSON array of strings; `tags:a|b` matches rows having any of them."""

    column: Any
    ops: frozenset[Op] = frozenset({Op.EQ, Op.IN, Op.NIL})

    def compile(self, condition: Condition) -> ColumnElement[bool]:
        if condition.op is Op.NIL:
            return or_(self.column.is_(None), JsonArrayLength(self.column) == 0)
        return has_any_tag(self.column, condition.values)


def has_any_tag(column: Any, tags: Sequence[str]) -> ColumnElement[bool]:
    return JsonArrayHasAny(column, list(tags))


@dataclass
class JsonPathField(Field):
    """`metrics.accuracy:>0.9`: a key inside a JSON object column."""

    column: Any
    key: str
    ops: frozenset[Op] = frozenset({Op.EQ, Op.IN, Op.NIL, Op.GT, Op.GE, Op.LT, Op.LE, Op.RANGE})

    def compile(self, condition: Condition) -> ColumnElement[bool]:
        element = self.column[_path(self.key)]
        if condition.op is Op.NIL:
            return func.coalesce(JsonKeyType(self.column, self.key), "null") == "null"
        numbers = _all_numbers(condition.values)
        if condition.op in {Op.EQ, Op.IN} and numbers is None:
            is_text = JsonKeyType(self.column, self.key).in_(("text", "string"))
            texts = and_(is_text, element.as_string().in_(condition.values))
            given = [number for number in map(_number, condition.values) if number is not None]
            return or_(texts, numeric_json(self.column, self.key).in_(given)) if given else texts
        if numbers is None:
            raise BadUserInput(
                f"query: `{condition.field}` compares numbers; "
                f"`{' .. '.join(condition.values)}` is not one."
            )
        value = numeric_json(self.column, self.key)
        match condition.op:
            case Op.EQ:
                return value == numbers[0]
            case Op.IN:
                return value.in_(numbers)
            case Op.GT:
                return value > numbers[0]
            case Op.GE:
                return value >= numbers[0]
            case Op.LT:
                return value < numbers[0]
            case Op.LE:
                return value <= numbers[0]
            case _:
                if numbers[1] < numbers[0]:
                    raise BadUserInput(
                        f"query: the `{condition.field}` range ends before it starts."
                    )
                return and_(value >= numbers[0], value <= numbers[1])


def _all_numbers(values: Sequence[str]) -> list[float] | None:
    numbers = [number for number in map(_number, values) if number is not None]
    return numbers if len(numbers) == len(values) else None


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def numeric_json(column: Any, key: str) -> ColumnElement[float]:
    """The key's value as a number, or NULL when it is not a number (never a cast error)."""
    return case(
        (
            JsonKeyType(column, key).in_(("integer", "real", "number")),
            column[_path(key)].as_float(),
        ),
        else_=None,
    )


def _path(key: str) -> tuple[str, ...] | str:
    parts = tuple(key.split("."))
    return parts if len(parts) > 1 else parts[0]


# ---- dialect-specific JSON: the one place that knows SQLite from PostgreSQL --------------------


class JsonKeyType(FunctionElement[str]):
    """The JSON type of `column.key` (NULL when the key is absent): SQLite says integer/real/
    text/null/..., PostgreSQL number/string/null/...; callers accept either spelling."""

    inherit_cache = True
    type = String()
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's own (list) type
        *FunctionElement._traverse_internals,
        ("json_key", InternalTraversal.dp_string),
    ]

    def __init__(self, column: Any, key: str) -> None:
        self.json_key = key
        super().__init__(column)


@compiles(JsonKeyType, "sqlite")
def _json_key_type_sqlite(element: JsonKeyType, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"json_type({column}, {compiler.process(literal('$.' + element.json_key), **kw)})"


@compiles(JsonKeyType, "postgresql")
def _json_key_type_postgresql(element: JsonKeyType, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    path = compiler.process(literal("{" + ",".join(element.json_key.split(".")) + "}"), **kw)
    return f"jsonb_typeof({column} #> CAST({path} AS TEXT[]))"


class JsonArrayLength(FunctionElement[int]):
    inherit_cache = True
    type = Integer()


@compiles(JsonArrayLength, "sqlite")
def _json_array_length_sqlite(element: JsonArrayLength, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array_length({compiler.process(element.clauses, **kw)})"


@compiles(JsonArrayLength, "postgresql")
def _json_array_length_pg(element: JsonArrayLength, compiler: SQLCompiler, **kw: Any) -> str:
    return f"jsonb_array_length({compiler.process(element.clauses, **kw)})"


class StringList(TypeDecorator[list[str]]):
    """A list of strings bound as one parameter: a text array on PostgreSQL, a JSON array on
    SQLite (read there with `json_each`)."""

    impl = String()
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(String()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(value)


class JsonArrayHasAny(ColumnElement[bool]):
    """The JSON array column holds at least one of the strings.

    The strings travel as one bound list, so the statement's shape (and its compiled-cache
    entry) is the same whatever and however many they are."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's own (list) type
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, values: list[str]) -> None:
        self.column = column
        self.values = bindparam(None, list(values), type_=StringList())


@compiles(JsonArrayHasAny, "sqlite")
def _has_any_sqlite(element: JsonArrayHasAny, compiler: SQLCompiler, **kw: Any) -> str:
    elements = func.json_each(element.column).table_valued("value")
    wanted = func.json_each(element.values).table_valued("value")
    matching = elements.c.value.in_(select(wanted.c.value))
    query = exists(select(literal(1)).select_from(elements).where(matching))
    return str(compiler.process(query, **kw))


@compiles(JsonArrayHasAny, "postgresql")
def _has_any_postgresql(element: JsonArrayHasAny, compiler: SQLCompiler, **kw: Any) -> str:
    # The array is a plain parameter, so the planner sees its value (custom plans, see
    # app/db.py): `tags ?| '{golden}'` on W2's big model is estimated at 5,000 of 100,000 rows
    # and read along the (project_id, updated_at) index in 0.4 ms. An expression the planner
    # cannot see into (the JSON array unpacked in an InitPlan, as before) was guessed at 0.5 %,
    # which sent it through the GIN index and a sort of every match: 9.5 ms.
    column = compiler.process(element.column, **kw)
    return f"{column} ?| {compiler.process(element.values, **kw)}"


# ---- field sets and compilation ----------------------------------------------------------------


@dataclass
class FieldSet:
    """The queryable fields of one kind, plus JSON prefixes (`metrics.` → outputs)."""

    fields: Mapping[str, Field]
    json_prefixes: Mapping[str, Any] = field(default_factory=dict)

    def resolve(self, name: str) -> Field:
        found = self.fields.get(name)
        if found is not None:
            return found
        prefix, _, key = name.partition(".")
        if key and prefix in self.json_prefixes:
            if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", key):
                raise BadUserInput(f"query: `{name}` is not a valid key.")
            return JsonPathField(self.json_prefixes[prefix], key)
        known = sorted([*self.fields, *(f"{p}.*" for p in self.json_prefixes)])
        raise BadUserInput(f"query: unknown field `{name}`; use one of {', '.join(known)}.")


def compile_expression(expression: Expression, fields: FieldSet) -> ColumnElement[bool]:
    match expression:
        case Condition():
            if len(expression.values) > MAX_VALUES:
                raise BadUserInput(
                    f"`{expression.field}` takes at most {MAX_VALUES} values; "
                    f"got {len(expression.values)}."
                )
            target = fields.resolve(expression.field)
            target.check(expression)
            predicate = target.compile(expression)
            return not_(func.coalesce(predicate, false())) if expression.negated else predicate
        case AllOf(parts):
            return and_(*(compile_expression(part, fields) for part in parts))
        case AnyOf(parts):
            return or_(*(compile_expression(part, fields) for part in parts))
        case Not(part):
            return not_(func.coalesce(compile_expression(part, fields), false()))
    raise AssertionError(expression)  # pragma: no cover


def compile_query(query: str | None, fields: FieldSet) -> ColumnElement[bool]:
    if query is None:
        return true()
    return compile_expression(parse(query), fields)


# ---- sorting -----------------------------------------------------------------------------------


def parse_sort(sort: str, sortable: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """`-created_at, name` → [("created_at", True), ("name", False)]."""
    keys: list[tuple[str, bool]] = []
    for part in sort.split(","):
        token = part.strip()
        descending = token.startswith("-")
        name = token.lstrip("-+").lower()
        if name not in sortable:
            raise BadUserInput(
                f"sort: unknown field `{token}`; sort by one of {', '.join(sorted(sortable))}."
            )
        if any(existing == name for existing, _ in keys):
            raise BadUserInput(f"sort: `{name}` appears twice.")
        keys.append((name, descending))
    return keys


@dataclass
class FlagsField(Field):
    """A set stored as boolean columns (project features): `features:model|component`."""

    columns: Mapping[str, Any]
    ops: frozenset[Op] = frozenset({Op.EQ, Op.IN, Op.NIL})

    def compile(self, condition: Condition) -> ColumnElement[bool]:
        if condition.op is Op.NIL:
            return and_(*(column.is_(False) for column in self.columns.values()))
        chosen = []
        for raw in condition.values:
            column = self.columns.get(raw.lower())
            if column is None:
                choices = ", ".join(sorted(self.columns))
                raise BadUserInput(f"query: `{condition.field}` is one of {choices}; not `{raw}`.")
            chosen.append(column.is_(True))
        return or_(*chosen)


@dataclass
class RelatedUuidField(Field):
    """`run:<uuid>`: rows whose foreign key points at the related row with that uuid (or, from
    a typed filter, at the row with that id)."""

    column: Any
    related_id: Any
    related_uuid: Any
    ops: frozenset[Op] = frozenset({Op.EQ, Op.IN, Op.NIL, Op.ROW})

    def compile(self, condition: Condition) -> ColumnElement[bool]:
        if condition.op is Op.NIL:
            return self.column.is_(None)  # type: ignore[no-any-return]
        if condition.op is Op.ROW:
            return self.column.in_([int(value) for value in condition.values])  # type: ignore[no-any-return]
        uuids = [value.lower() for value in condition.values]
        related = select(self.related_id).where(self.related_uuid.in_(uuids))
        return self.column.in_(related)  # type: ignore[no-any-return]


@dataclass
class HeldField(Field):
    """`alias:champion|challenger`: rows that a related table names with any of these values (a
    version's aliases), case-insensitive; `alias:nil`, rows it names with none."""

    row_id: Any  # the listed row's id
    key: Any  # the related table's column naming a listed row
    value: Any  # the related table's column the values are matched against
    ops: frozenset[Op] = frozenset({Op.EQ, Op.IN, Op.NIL})

    def compile(self, condition: Condition) -> ColumnElement[bool]:
        held = exists().where(self.key == self.row_id)
        if condition.op is Op.NIL:
            return not_(held)
        return held.where(self.value.in_([value.lower() for value in condition.values]))


def compile_filters(
    query: str | None, typed: Sequence[Condition], fields: FieldSet
) -> ColumnElement[bool]:
    """A list's `query` and typed `filter` as one predicate; a blank query filters nothing."""
    predicate = compile_query((query or "").strip() or None, fields)
    if typed:
        predicate = and_(predicate, compile_expression(AllOf(tuple(typed)), fields))
    return predicate
