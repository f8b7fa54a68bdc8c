"""Pages under many parents agree with each parent's own keyset page, whichever way they are
built: per-parent scans by a LATERAL join (PostgreSQL) or joined by UNION ALL (SQLite, up to
`UNION_PARENTS` parents), or one row_number window (SQLite, beyond), forwards and backwards,
across ties in the sort column."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import pagination
from app.organizations.models import Organization
from app.pagination import Page, PageArgs, paginate, paginate_partitioned
from app.projects.models import Project, ProjectVisibility
from app.runs.listing import RUNS
from app.runs.models import Run, RunStatus
from tests import databases

RUNS_PER_PROJECT = (7, 0, 12, 1)


async def _seed(session: AsyncSession) -> list[int]:
    await session.execute(insert(Organization), [{"name": "acme"}])
    organization = await session.scalar(select(Organization.id))
    projects = list(
        await session.scalars(
            insert(Project).returning(Project.id, sort_by_parameter_order=True),
            [
                {
                    "organization_id": organization,
                    "name": f"p{index}",
                    "tags": [],
                    "visibility": ProjectVisibility.PUBLIC,
                }
                for index in range(len(RUNS_PER_PROJECT))
            ],
        )
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    await session.execute(
        insert(Run),
        [
            {
                "uuid": f"{project:04d}{index:028d}",
                "project_id": project,
                "status": RunStatus.SUCCEEDED,
                "tags": [],
                # Pairs share a timestamp: the id breaks the tie.
                "created_at": start + timedelta(minutes=index // 2),
                "updated_at": start + timedelta(minutes=index // 2),
            }
            for project, runs in zip(projects, RUNS_PER_PROJECT, strict=True)
            for index in range(runs)
        ],
    )
    return projects


def _args(**given: int | str | None) -> PageArgs:
    values = {"first": None, "after": None, "last": None, "before": None, **given}
    return PageArgs.parse(**values, default_size=20, max_size=100)  # type: ignore[arg-type]


def _seen(page: Page[Run]) -> tuple[list[int], list[str], bool, bool]:
    return [run.id for run in page.items], page.cursors, page.has_next_page, page.has_previous_page


@pytest.mark.parametrize("shape", ["window", "union", "lateral"])
async def test_each_parent_gets_its_own_keyset_page(
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    shape: str,
) -> None:
    if shape == "lateral" and databases.backend() != "postgresql":
        pytest.skip("LATERAL is PostgreSQL's; SQLite has none")
    monkeypatch.setattr(pagination, "page_shape", lambda _dialect, _parents: shape)
    async with sessions() as session, session.begin():
        projects = await _seed(session)
    sort = RUNS.sort_key()
    statement = select(Run)
    async with sessions() as session:
        first = await paginate(
            session, statement.where(Run.project_id == projects[2]), sort, _args(first=5)
        )
        middle = first.cursors[2]  # a position inside the longest list, valid for every list
        for args in (
            _args(first=3),
            _args(first=4, after=middle),
            _args(last=3),
            _args(last=2, before=middle),
            _args(first=0),
        ):
            pages = await paginate_partitioned(
                session, statement, Run, Run.project_id, projects, sort, args
            )
            for project in projects:
                own = await paginate(
                    session, statement.where(Run.project_id == project), sort, args
                )
                assert _seen(pages[project]) == _seen(own), (project, args)
