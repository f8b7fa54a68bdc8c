"""PQL (`query:` strings) compiled to SQL and run against seeded rows, on SQLite and PostgreSQL.

Every valid query states the exact set of rows it selects; every invalid one raises
`BadUserInput` naming what was wrong. The expectations are the same on both databases.
"""

from datetime import UTC, datetime
from random import Random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import BadUserInput
from app.organizations.models import Organization
from app.pql import compile_query, parse_sort
from app.projects.listing import PROJECT_FIELDS, PROJECT_SORTABLE
from app.projects.models import Project, ProjectFeature, ProjectVisibility
from app.runs.listing import RUN_FIELDS, RUN_SORTABLE
from app.runs.models import Run, RunStatus

ALL = frozenset(f"r{number:02d}" for number in range(1, 11))


def runs(*numbers: int) -> frozenset[str]:
    return frozenset(f"r{number:02d}" for number in numbers)


def all_but(*numbers: int) -> frozenset[str]:
    return ALL - runs(*numbers)


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


# uuid, name, status, tags, outputs, inputs, created_at, finished_at
SEED: list[tuple[Any, ...]] = [
    (
        "r01",
        "resnet-baseline",
        RunStatus.SUCCEEDED,
        ["golden", "vision"],
        {"accuracy": 0.95, "loss": 0.2, "nested": {"f1": 0.91}, "converged": True},
        {"lr": 0.001, "optimizer": "adam"},
        at(1, 15, 10),
        at(1, 15, 12),
    ),
    (
        "r02",
        "resnet_v2",
        RunStatus.SUCCEEDED,
        ["vision"],
        {"accuracy": 0.92, "nested": {"f1": 0.85}},
        {"lr": 0.01},
        at(2, 10, 8),
        at(2, 11),
    ),
    (
        "r03",
        "BERT-Large",
        RunStatus.FAILED,
        ["golden", "nlp"],
        {"accuracy": 0.97},
        {"lr": 0.0001},
        at(3, 31, 23, 30),
        at(4, 1, 1),
    ),
    (
        "r04",
        None,
        RunStatus.RUNNING,
        [],
        {"accuracy": "high"},
        {"lr": 0.005},
        at(4, 1),
        None,
    ),
    ("r05", "bert small", RunStatus.CREATED, [], None, None, at(5, 5, 12), None),
    (
        "r06",
        "gpt 50% sample",
        RunStatus.STOPPED,
        ["nlp", "draft"],
        {"loss": 0.5},
        {"lr": 0.1},
        at(6, 30, 18),
        at(7, 1, 9),
    ),
    (
        "r07",
        "xgb_tuned",
        RunStatus.SUCCEEDED,
        ["tabular", "golden"],
        {"accuracy": 1, "nested": {"f1": "n/a"}},
        {"lr": 0.05},
        at(7, 4, 9),
        at(7, 4, 14),
    ),
    (
        "r08",
        "xgbXtuned",
        RunStatus.SUCCEEDED,
        ["tabular"],
        {"accuracy": 0.9, "valLoss": 0.3, "val-acc": 0.8},
        {"lr": 0.01, "batch": 32},
        at(9, 15, 14),
        at(9, 16),
    ),
    (
        "r09",
        "Resnet-Final",
        RunStatus.FAILED,
        ["vision", "draft"],
        {"accuracy": 0.5, "nested": {"f1": 0.95}, "loss": None},
        {"lr": 0.02},
        at(11, 20, 16),
        at(11, 21),
    ),
    (
        "r10",
        "forecast-50k",
        RunStatus.SUCCEEDED,
        ["timeseries"],
        {"accuracy": 0.93, "valloss": 0.9},
        {"lr": "auto"},
        at(12, 31, 23, 59, 59),
        datetime(2027, 1, 1, 0, 30, tzinfo=UTC),
    ),
]


@pytest.fixture
async def seeded_runs(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        organization = Organization(name="acme")
        session.add(organization)
        await session.flush()
        project = Project(
            organization_id=organization.id, name="lab", visibility=ProjectVisibility.PRIVATE
        )
        session.add(project)
        await session.flush()
        session.add_all(
            Run(
                uuid=uuid,
                project_id=project.id,
                name=name,
                status=status,
                tags=tags,
                outputs=outputs,
                inputs=inputs,
                created_at=created_at,
                updated_at=created_at,
                finished_at=finished_at,
            )
            for uuid, name, status, tags, outputs, inputs, created_at, finished_at in SEED
        )


async def matching_runs(sessions: async_sessionmaker[AsyncSession], query: str | None) -> set[str]:
    async with sessions() as session:
        rows = await session.scalars(select(Run.uuid).where(compile_query(query, RUN_FIELDS)))
        return set(rows)


ISSUE_QUERY = (
    "(stage:production | tags:golden), ~status:failed, metrics.accuracy:>0.9, "
    "created_at:2026-01-01 .. 2026-06-30"
)

VALID_RUN_QUERIES = [
    # the issue's query, with `status` where runs have no `stage`
    pytest.param(
        "(status:succeeded | tags:golden), ~status:failed, metrics.accuracy:>0.9, "
        "created_at:2026-01-01 .. 2026-06-30",
        runs(1, 2),
        id="issue-query-for-runs",
    ),
    # equality, negation, alternatives
    pytest.param("name:forecast-50k", runs(10), id="name-equals"),
    pytest.param("name:Forecast-50k", runs(), id="name-equals-is-case-sensitive"),
    pytest.param("NAME:forecast-50k", runs(10), id="field-name-case-insensitive"),
    pytest.param("name : forecast-50k", runs(10), id="spaces-around-colon"),
    pytest.param("~name:forecast-50k", all_but(10), id="not-before-field-keeps-null-name"),
    pytest.param("name:~forecast-50k", all_but(10), id="not-before-value"),
    pytest.param("~name:~forecast-50k", runs(10), id="double-negation"),
    pytest.param("name:xgb_tuned|BERT-Large", runs(3, 7), id="name-any-of"),
    pytest.param("name:~xgb_tuned|BERT-Large", all_but(3, 7), id="name-none-of"),
    pytest.param('name:"bert small"', runs(5), id="quoted-value-with-space"),
    pytest.param('name:"gpt 50% sample"', runs(6), id="quoted-value-is-not-a-pattern"),
    pytest.param('~name:"bert small"', all_but(5), id="negated-quoted-value"),
    # nil
    pytest.param("name:nil", runs(4), id="name-nil"),
    pytest.param("~name:nil", all_but(4), id="not-name-nil"),
    pytest.param("name:~nil", all_but(4), id="name-not-nil-value-side"),
    pytest.param("finished_at:nil", runs(4, 5), id="finished-nil"),
    pytest.param("finished_at:NIL", runs(4, 5), id="nil-keyword-case-insensitive"),
    pytest.param("~finished_at:nil", all_but(4, 5), id="not-finished-nil"),
    # enums
    pytest.param("status:succeeded", runs(1, 2, 7, 8, 10), id="status-lowercase"),
    pytest.param("status:FAILED", runs(3, 9), id="status-uppercase"),
    pytest.param("status:Running|created", runs(4, 5), id="status-any-of-mixed-case"),
    pytest.param("~status:failed", all_but(3, 9), id="not-status"),
    pytest.param("status:~failed|stopped", all_but(3, 6, 9), id="status-none-of"),
    pytest.param("status:nil", runs(), id="status-nil-never"),
    # like: case-insensitive, `_` and `%` in the text are literal
    pytest.param("name:%RESNET%", runs(1, 2, 9), id="contains-case-insensitive"),
    pytest.param("name:bert%", runs(3, 5), id="starts-with"),
    pytest.param("name:%tuned", runs(7, 8), id="ends-with"),
    pytest.param("name:%xgb_t%", runs(7), id="underscore-is-literal"),
    pytest.param("name:%_%", runs(2, 7), id="contains-underscore"),
    pytest.param("name:%50%%", runs(6), id="percent-is-literal"),
    pytest.param("name:%50%", runs(6, 10), id="contains-digits"),
    pytest.param("~name:%resnet%", all_but(1, 2, 9), id="not-contains-keeps-null-name"),
    # dates: a bare date is a whole UTC day
    pytest.param("created_at:2026-03-31", runs(3), id="date-equals-whole-day"),
    pytest.param("created_at:>2026-03-31", runs(4, 5, 6, 7, 8, 9, 10), id="date-gt-after-day"),
    pytest.param("created_at:>=2026-04-01", runs(4, 5, 6, 7, 8, 9, 10), id="date-ge"),
    pytest.param("created_at:<2026-04-01", runs(1, 2, 3), id="date-lt"),
    pytest.param("created_at:<=2026-03-31", runs(1, 2, 3), id="date-le-includes-day"),
    pytest.param("created_at:>2026-04-01T00:00:00Z", runs(5, 6, 7, 8, 9, 10), id="datetime-gt"),
    pytest.param("created_at:>=2026-04-01T00:00:00", runs(4, 5, 6, 7, 8, 9, 10), id="datetime-ge"),
    pytest.param("created_at:<2026-04-01T02:00:00+02:00", runs(1, 2, 3), id="datetime-offset"),
    pytest.param("created_at:2026-04-01T00:00:00Z", runs(4), id="datetime-equals"),
    pytest.param(
        "created_at:2026-01-01 .. 2026-06-30", runs(1, 2, 3, 4, 5, 6), id="range-upper-whole-day"
    ),
    pytest.param("created_at:2026-01-01..2026-01-31", runs(1), id="range-without-spaces"),
    pytest.param(
        "created_at:2026-03-31T23:00:00Z .. 2026-04-01T00:00:00Z", runs(3, 4), id="range-datetimes"
    ),
    pytest.param(
        "created_at:2026-06-30T12:00 .. 2026-06-30", runs(6), id="range-into-the-same-day"
    ),
    pytest.param(
        "created_at:~2026-06-01 .. 2026-12-31", runs(1, 2, 3, 4, 5), id="range-negated-value-side"
    ),
    pytest.param(
        "~created_at:2026-06-01 .. 2026-12-31", runs(1, 2, 3, 4, 5), id="range-negated-field-side"
    ),
    pytest.param("finished_at:>=2026-07-01", runs(6, 7, 8, 9, 10), id="finished-ge"),
    pytest.param(
        "~finished_at:2026-01-01 .. 2026-12-31", runs(4, 5, 10), id="not-range-keeps-null"
    ),
    # tags
    pytest.param("tags:golden", runs(1, 3, 7), id="tags-has"),
    pytest.param("tags:nlp|tabular", runs(3, 6, 7, 8), id="tags-has-any"),
    pytest.param("tags:golden, tags:vision", runs(1), id="tags-has-both"),
    pytest.param("tags:nil", runs(4, 5), id="tags-empty"),
    pytest.param("~tags:nil", all_but(4, 5), id="tags-not-empty"),
    pytest.param("~tags:draft", all_but(6, 9), id="tags-has-not"),
    pytest.param("tags:~draft|golden", runs(2, 4, 5, 8, 10), id="tags-has-none-of"),
    pytest.param("tags:GOLDEN", runs(), id="tags-are-case-sensitive"),
    # JSON paths: numbers compare as numbers, other JSON values never match, never an error
    pytest.param("metrics.accuracy:>0.9", runs(1, 2, 3, 7, 10), id="metric-gt-skips-string"),
    pytest.param("metrics.accuracy:>=0.9", runs(1, 2, 3, 7, 8, 10), id="metric-ge"),
    pytest.param("metrics.accuracy:<0.9", runs(9), id="metric-lt"),
    pytest.param("metrics.accuracy:<=0.9", runs(8, 9), id="metric-le"),
    pytest.param("metrics.accuracy:0.9", runs(8), id="metric-equals-number"),
    pytest.param("metrics.accuracy:1.0", runs(7), id="metric-equals-integer-value"),
    pytest.param("metrics.accuracy:0.5|0.92", runs(2, 9), id="metric-any-of-numbers"),
    pytest.param("metrics.accuracy:0.9 .. 0.95", runs(1, 2, 8, 10), id="metric-range"),
    pytest.param("metrics.accuracy:0.9..0.95", runs(1, 2, 8, 10), id="metric-range-no-spaces"),
    pytest.param("metrics.accuracy:high", runs(4), id="metric-equals-string"),
    pytest.param("metrics.accuracy:0.95|high", runs(1, 4), id="metric-any-of-number-or-string"),
    pytest.param("metrics.accuracy:1.0|high", runs(4, 7), id="metric-any-of-integer-or-string"),
    pytest.param("metrics.accuracy:nil", runs(5, 6), id="metric-missing-or-null"),
    pytest.param("metrics.loss:nil", all_but(1, 6), id="metric-json-null-is-nil"),
    pytest.param("metrics.val-acc:>0.5", runs(8), id="json-key-with-dash"),
    # a JSON boolean is neither a string nor a number: it never matches, on either database
    pytest.param("metrics.converged:true", runs(), id="json-boolean-is-not-text"),
    pytest.param("metrics.converged:1", runs(), id="json-boolean-is-not-a-number"),
    pytest.param("~metrics.converged:nil", runs(1), id="json-boolean-is-present"),
    pytest.param("~metrics.accuracy:nil", all_but(5, 6), id="metric-present"),
    pytest.param("~metrics.accuracy:>0.9", runs(4, 5, 6, 8, 9), id="metric-not-gt"),
    pytest.param("metrics.nested.f1:>0.8", runs(1, 2, 9), id="nested-metric"),
    pytest.param("metrics.nested.f1:n/a", runs(7), id="nested-metric-string"),
    pytest.param("metrics.valLoss:<0.5", runs(8), id="json-keys-are-case-sensitive"),
    pytest.param("metrics.loss:>0.1", runs(1, 6), id="another-metric"),
    pytest.param("params.lr:<0.01", runs(1, 3, 4), id="param-lt"),
    pytest.param("params.lr:0.01", runs(2, 8), id="param-equals"),
    pytest.param("params.lr:auto", runs(10), id="param-string"),
    pytest.param("~params.lr:<0.01", runs(2, 5, 6, 7, 8, 9, 10), id="param-not-lt"),
    pytest.param("params.optimizer:adam", runs(1), id="param-string-only-key"),
    pytest.param("params.batch:>=32", runs(8), id="param-integer"),
    # AND, OR, precedence, parentheses
    pytest.param("status:failed,tags:draft", runs(9), id="comma-without-spaces"),
    pytest.param("status:failed And tags:golden", runs(3), id="and-keyword-any-case"),
    pytest.param("status:failed oR status:stopped", runs(3, 6, 9), id="or-keyword-any-case"),
    pytest.param("tags:golden   |   tags:draft", runs(1, 3, 6, 7, 9), id="pipe-with-spaces"),
    pytest.param(
        "status:failed, tags:nlp | tags:tabular", runs(3, 7, 8), id="and-binds-tighter-than-pipe"
    ),
    pytest.param(
        "tags:vision OR status:failed and name:%final%",
        runs(1, 2, 9),
        id="and-binds-tighter-than-or",
    ),
    pytest.param(
        "status:failed, (tags:nlp | tags:tabular)", runs(3), id="parentheses-override-precedence"
    ),
    pytest.param(
        "((tags:vision | tags:nlp), (status:failed | status:stopped)) | name:nil",
        runs(3, 4, 6, 9),
        id="nested-parentheses",
    ),
    pytest.param("~(tags:vision | tags:nlp)", runs(4, 5, 7, 8, 10), id="negated-group"),
    pytest.param(
        "~(status:succeeded, metrics.accuracy:>0.9)",
        runs(3, 4, 5, 6, 8, 9),
        id="negated-group-with-unknown-metrics",
    ),
    pytest.param(
        "( status:failed | status:stopped ) , ~tags:draft", runs(3), id="spaces-inside-parentheses"
    ),
]


@pytest.mark.usefixtures("seeded_runs")
@pytest.mark.parametrize(("query", "expected"), VALID_RUN_QUERIES)
async def test_valid_run_query(
    sessions: async_sessionmaker[AsyncSession], query: str, expected: frozenset[str]
) -> None:
    assert await matching_runs(sessions, query) == expected


@pytest.mark.usefixtures("seeded_runs")
async def test_queries_on_different_json_keys_do_not_share_compiled_sql(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The compiled-statement cache must tell `metrics.a` from `metrics.b` and `params.a`."""
    for _ in range(2):
        assert await matching_runs(sessions, "metrics.accuracy:>0.9") == runs(1, 2, 3, 7, 10)
        assert await matching_runs(sessions, "metrics.loss:>0.1") == runs(1, 6)
        assert await matching_runs(sessions, "params.lr:>0.01") == runs(6, 7, 9)
        assert await matching_runs(sessions, "metrics.valloss:nil") == all_but(10)
        assert await matching_runs(sessions, "params.batch:nil") == all_but(8)


@pytest.mark.usefixtures("seeded_runs")
async def test_no_query_is_no_filter(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert await matching_runs(sessions, None) == ALL


INVALID_RUN_QUERIES = [
    pytest.param("stage:production", "stage", id="unknown-field"),
    pytest.param(ISSUE_QUERY, "stage", id="issue-query-stage-is-not-a-run-field"),
    pytest.param("description:x", "description", id="field-of-another-kind"),
    pytest.param("name.first:x", "name.first", id="json-path-on-a-plain-field"),
    pytest.param("metrics:0.9", "metrics", id="json-prefix-without-key"),
    pytest.param("metrics.:>0.5", "metrics.", id="json-key-empty"),
    pytest.param("metrics..f1:>0.5", "metrics..f1", id="json-key-empty-segment"),
    pytest.param("status:bogus", "bogus", id="unknown-enum-value"),
    pytest.param("status:failed|bogus", "bogus", id="unknown-enum-alternative"),
    pytest.param("status:%fail%", "status", id="like-on-enum"),
    pytest.param("created_at:2026-13-01", "2026-13-01", id="bad-date"),
    pytest.param("created_at:>yesterday", "yesterday", id="bad-date-comparison"),
    pytest.param("created_at:2026-01-01 .. soon", "soon", id="bad-range-bound"),
    pytest.param(
        "created_at:2026-02-01 .. 2026-01-01", "created_at", id="range-ends-before-it-starts"
    ),
    pytest.param(
        "created_at:2026-01-31T12:00:00Z .. 2026-01-31T11:00:00Z",
        "created_at",
        id="datetime-range-ends-before-it-starts",
    ),
    pytest.param("metrics.accuracy:0.95 .. 0.5", "metrics.accuracy", id="number-range-reversed"),
    pytest.param("name:>abc", "name", id="gt-on-text"),
    pytest.param("name:2026-01-01 .. 2026-02-01", "name", id="range-on-text"),
    pytest.param("tags:>3", "tags", id="gt-on-tags"),
    pytest.param("tags:%gold%", "tags", id="like-on-tags"),
    pytest.param("metrics.accuracy:>high", "high", id="json-comparison-not-a-number"),
    pytest.param("metrics.accuracy:0.5 .. high", "high", id="json-range-not-a-number"),
    pytest.param("params.lr:<1e999", "1e999", id="json-comparison-infinite"),
    pytest.param("metrics.accuracy:%9%", "metrics.accuracy", id="like-on-json"),
    pytest.param("(status:failed", "(", id="unclosed-parenthesis"),
    pytest.param("status:failed)", ")", id="unopened-parenthesis"),
    pytest.param("((status:failed) | tags:x", "(", id="unbalanced-nested-parentheses"),
    pytest.param("()", ")", id="empty-parentheses"),
    pytest.param("status:failed,", ",", id="trailing-comma"),
    pytest.param("status:failed,,tags:x", ",", id="double-comma"),
    pytest.param(", status:failed", ",", id="leading-comma"),
    pytest.param("status:failed |", "|", id="trailing-pipe"),
    pytest.param("status:failed OR", "OR", id="trailing-or"),
    pytest.param("name:", "name:", id="empty-value"),
    pytest.param("name:, status:failed", ",", id="empty-value-before-comma"),
    pytest.param("name:~", "name:", id="empty-negated-value"),
    pytest.param("created_at:>=", "created_at", id="empty-comparison-value"),
    pytest.param("name:a||b", "a||b", id="empty-alternative"),
    pytest.param("status:failed|", "failed|", id="trailing-alternative"),
    pytest.param("a||b", "||b", id="no-field"),
    pytest.param("name:a | b", "b", id="pipe-with-spaces-inside-a-value"),
    pytest.param("name:x status:failed", "status:failed", id="missing-comma"),
    pytest.param("~", "~", id="lone-not"),
    pytest.param('name:"unterminated', '"unterminated', id="unterminated-quote"),
    pytest.param("", "empty", id="empty-query"),
    pytest.param("   ", "empty", id="blank-query"),
    pytest.param("name:" + "x" * 4995, "2000", id="5000-characters"),
]


@pytest.mark.parametrize(("query", "token"), INVALID_RUN_QUERIES)
def test_invalid_run_query(query: str, token: str) -> None:
    with pytest.raises(BadUserInput) as raised:
        compile_query(query, RUN_FIELDS)
    assert token in raised.value.message
    assert raised.value.message.startswith("query: ")


# ---- projects ----------------------------------------------------------------------------------


@pytest.fixture
async def seeded_projects(sessions: async_sessionmaker[AsyncSession]) -> None:
    projects = [
        ("vision-regression", ProjectVisibility.PRIVATE, {"RUNTIME", "MODEL"}, ["golden"]),
        ("nlp-hub", ProjectVisibility.PUBLIC, {"COMPONENT"}, []),
        ("Regression-Models", ProjectVisibility.INTERNAL, {"MODEL"}, ["golden", "tabular"]),
        ("sandbox", ProjectVisibility.PRIVATE, set(), ["draft"]),
        ("registry", ProjectVisibility.INTERNAL, {"RUNTIME"}, []),
    ]
    async with sessions() as session, session.begin():
        organization = Organization(name="acme")
        session.add(organization)
        await session.flush()
        for name, visibility, features, tags in projects:
            project = Project(
                organization_id=organization.id, name=name, visibility=visibility, tags=tags
            )
            project.set_features({ProjectFeature(feature) for feature in features})
            session.add(project)


@pytest.mark.usefixtures("seeded_projects")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            "features:model|component",
            {"vision-regression", "nlp-hub", "Regression-Models"},
            id="features-any-of",
        ),
        pytest.param("features:RUNTIME", {"vision-regression", "registry"}, id="feature-has"),
        pytest.param("~features:model", {"nlp-hub", "sandbox", "registry"}, id="feature-has-not"),
        pytest.param("features:nil", {"sandbox"}, id="features-none"),
        pytest.param(
            "visibility:private|internal",
            {"vision-regression", "Regression-Models", "sandbox", "registry"},
            id="visibility-any-of",
        ),
        pytest.param("visibility:PUBLIC", {"nlp-hub"}, id="visibility-uppercase"),
        pytest.param("tags:golden", {"vision-regression", "Regression-Models"}, id="tags-has"),
        pytest.param("tags:nil", {"nlp-hub", "registry"}, id="tags-empty"),
        pytest.param(
            "name:%reg%",
            {"vision-regression", "Regression-Models", "registry"},
            id="name-contains",
        ),
        pytest.param(
            "name:%reg%, visibility:internal, features:model",
            {"Regression-Models"},
            id="combined",
        ),
        pytest.param(
            "description:nil",
            {"vision-regression", "nlp-hub", "Regression-Models", "sandbox", "registry"},
            id="description-nil",
        ),
    ],
)
async def test_project_query(
    sessions: async_sessionmaker[AsyncSession], query: str, expected: set[str]
) -> None:
    async with sessions() as session:
        statement = select(Project.name).where(compile_query(query, PROJECT_FIELDS))
        assert set(await session.scalars(statement)) == expected


@pytest.mark.parametrize(
    ("query", "token"),
    [
        pytest.param("features:gpu", "gpu", id="unknown-feature"),
        pytest.param("features:model|gpu", "gpu", id="unknown-feature-alternative"),
        pytest.param("visibility:secret", "secret", id="unknown-visibility"),
        pytest.param("status:failed", "status", id="run-field-on-projects"),
        pytest.param("metrics.accuracy:>0.9", "metrics.accuracy", id="no-json-paths"),
        pytest.param("features:>1", "features", id="comparison-on-features"),
    ],
)
def test_invalid_project_query(query: str, token: str) -> None:
    with pytest.raises(BadUserInput) as raised:
        compile_query(query, PROJECT_FIELDS)
    assert token in raised.value.message


# ---- sort --------------------------------------------------------------------------------------


class TestParseSort:
    def test_descending_then_ascending(self) -> None:
        assert parse_sort("-created_at, name", RUN_SORTABLE) == [
            ("created_at", True),
            ("name", False),
        ]

    def test_plus_case_and_spaces(self) -> None:
        assert parse_sort(" +Status ,-FINISHED_AT", RUN_SORTABLE) == [
            ("status", False),
            ("finished_at", True),
        ]

    def test_projects(self) -> None:
        assert parse_sort("-updated_at", PROJECT_SORTABLE) == [("updated_at", True)]

    @pytest.mark.parametrize(
        ("sort", "sortable", "token"),
        [
            pytest.param("-stage", RUN_SORTABLE, "stage", id="unknown"),
            pytest.param("name, bogus", RUN_SORTABLE, "bogus", id="unknown-second"),
            pytest.param("status", PROJECT_SORTABLE, "status", id="run-field-on-projects"),
            pytest.param("name, -name", RUN_SORTABLE, "name", id="duplicate"),
            pytest.param("-created_at,CREATED_AT", RUN_SORTABLE, "created_at", id="duplicate-case"),
        ],
    )
    def test_bad_sort(self, sort: str, sortable: dict[str, Any], token: str) -> None:
        with pytest.raises(BadUserInput) as raised:
            parse_sort(sort, sortable)
        assert token in raised.value.message


# ---- composed queries against set algebra -------------------------------------------------------

ATOMS: list[tuple[str, frozenset[str]]] = [
    ("status:succeeded", runs(1, 2, 7, 8, 10)),
    ("status:failed|stopped", runs(3, 6, 9)),
    ("name:%resnet%", runs(1, 2, 9)),
    ("name:nil", runs(4)),
    ("tags:golden", runs(1, 3, 7)),
    ("tags:nil", runs(4, 5)),
    ("metrics.accuracy:>0.9", runs(1, 2, 3, 7, 10)),
    ("metrics.accuracy:high", runs(4)),
    ("params.lr:<0.01", runs(1, 3, 4)),
    ("finished_at:nil", runs(4, 5)),
    ("finished_at:>=2026-07-01", runs(6, 7, 8, 9, 10)),
    ("created_at:2026-01-01 .. 2026-06-30", runs(1, 2, 3, 4, 5, 6)),
]


def compose(random: Random, depth: int) -> tuple[str, frozenset[str], str]:
    """A random query, the runs it must select, and its kind (atom, and, or, not)."""
    if depth == 0 or random.random() < 0.25:
        text, expected = random.choice(ATOMS)
        return text, expected, "atom"
    kind = random.choice(["and", "or", "not"])
    if kind == "not":
        text, expected, _ = compose(random, depth - 1)
        return f"~({text})", ALL - expected, kind
    parts = [compose(random, depth - 1) for _ in range(random.randint(2, 3))]
    if kind == "and":
        # an OR inside an AND needs parentheses; AND binds tighter, so nothing else does
        texts = [f"({text})" if sub == "or" else text for text, _, sub in parts]
        joiner = random.choice([", ", ",", " AND ", " and "])
        return joiner.join(texts), frozenset.intersection(*(e for _, e, _ in parts)), kind
    joiner = random.choice([" | ", "  |  ", " OR ", " or "])
    return (
        joiner.join(text for text, _, _ in parts),
        frozenset.union(*(e for _, e, _ in parts)),
        kind,
    )


@pytest.mark.usefixtures("seeded_runs")
async def test_composed_queries_match_set_algebra(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    random = Random(20260101)  # noqa: S311 - a repeatable sample of queries, not a secret
    for _ in range(150):
        query, expected, _ = compose(random, depth=3)
        assert await matching_runs(sessions, query) == expected, query


# ---- anything typed is a result or a BadUserInput, never a crash --------------------------------

DIALECT_URLS = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
FIELDS = ["name", "status", "tags", "created_at", "metrics.accuracy", "params.lr", "metrics.", "x"]
VALUES = [
    "nil",
    "~",
    ">",
    ">=",
    "<",
    "<=",
    "%",
    "_",
    "|",
    "..",
    " .. ",
    '"',
    '"a b"',
    "\\",
    "-1",
    "0.9",
    "1e999",
    "nan",
    "2026-01-01",
    "T12:00Z",
    "failed",
    "golden",
    "high",
    "x",
]
JOINS = [", ", ",", " | ", "|", " OR ", " and ", "(", ")", "~", " ", ":"]
conditions = st.builds(
    lambda field, colon, value: field + colon + "".join(value),
    st.sampled_from(FIELDS),
    st.sampled_from([":", " : ", ":~"]),
    st.lists(st.sampled_from(VALUES), max_size=4),
)
queries = st.lists(conditions | st.sampled_from(JOINS), max_size=8).map("".join)


@settings(max_examples=500, database=None, deadline=None)
@given(queries | st.text(max_size=12))
def test_any_text_is_a_predicate_or_bad_user_input(query: str) -> None:
    message = "query: "
    try:
        predicate = compile_query(query, RUN_FIELDS)
    except BadUserInput as error:
        message = error.message
    else:
        for url in DIALECT_URLS:
            dialect = make_url(url).get_dialect()()
            select(Run.uuid).where(predicate).compile(dialect=dialect)
    assert message.startswith("query: ")
