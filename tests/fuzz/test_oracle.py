"""The fuzz's oracle and its JSON writer, on responses and values made by hand: a fuzz whose
property cannot fail, or whose hostile values never leave the client, would pass vacuously."""

import json

import httpx
import pytest

from tests.fuzz.test_schema_fuzz import problems
from tests.fuzz.values import BARE_MARKER, DEEP_MARKER, dumps

CODED = '{"errors": [{"message": "no", "extensions": {"code": "BAD_USER_INPUT"}}]}'


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, '{"data": {"a": 1}}', []),
        (400, CODED, []),
        (401, CODED.replace("BAD_USER_INPUT", "UNAUTHENTICATED"), []),
        (500, CODED, ["HTTP 500"]),
        (502, "Bad gateway", ["HTTP 502", "the body is not strict JSON"]),
        (
            200,
            '{"errors": [{"message": "Traceback (most recent call last):", '
            '"extensions": {"code": "BAD_USER_INPUT"}}]}',
            ["traceback"],
        ),
        (200, '{"data": {"a": NaN}}', ["the body is not strict JSON"]),
        (200, '{"data": {"a": Infinity}}', ["the body is not strict JSON"]),
        (200, '{"data": {"a": "\\ud800"}}', ["a lone surrogate in the body"]),
        (200, '{"data": {"\\udfff": 1}}', ["a lone surrogate in the body"]),
        (200, "[]", ["the body is not a JSON object"]),
        (200, "{}", ["neither data nor errors"]),
        (200, '{"data": null, "errors": [{"message": "x"}]}', ["an error without extensions.code"]),
        (
            200,
            '{"data": null, "errors": [{"message": "x", "extensions": '
            '{"code": "INTERNAL_SERVER_ERROR", "requestId": "r"}}]}',
            ["INTERNAL_SERVER_ERROR"],
        ),
    ],
)
def test_the_oracle_names_every_violation(status: int, body: str, expected: list[str]) -> None:
    response = httpx.Response(status, content=body.encode())
    found = problems(response)
    assert len(found) == len(expected), found
    assert all(f.startswith(e) for f, e in zip(found, expected, strict=True)), found


def test_a_body_that_is_not_utf8_is_not_strict_json() -> None:
    assert problems(httpx.Response(200, content=b'{"data": "\xff"}')) == [
        "the body is not strict JSON ('utf-8' codec can't decode byte 0xff in position 10: "
        "invalid start byte)"
    ]


def test_hostile_values_are_written_as_a_careless_client_writes_them() -> None:
    value = {
        "deep": DEEP_MARKER.format(3),
        "nan": BARE_MARKER.format("NaN"),
        "huge": BARE_MARKER.format("1e400"),
        "surrogate": "\ud800",
        "nul": "\x00",
    }
    text = dumps(value)
    assert text == (
        '{"deep": [[[1]]], "nan": NaN, "huge": 1e400, "surrogate": "\\ud800", "nul": "\\u0000"}'
    )
    assert json.loads(text)["surrogate"] == "\ud800"  # what the server's decoder will see
    assert "hubql-fuzz" in dumps(value, expanded=False)  # short, for failure reports
