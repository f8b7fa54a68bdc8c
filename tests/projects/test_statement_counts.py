"""No N+1 below projects: the statements a nested query costs do not grow with the page size.

Three shapes, each asked with N = 1 and N = 100 by the organization's ADMIN (who reads every
project and all of the organization's activity):

- `organization { projects { edges { node { access { … grantee … } runs(first: N) { … upstream
  createdBy } } } } }`. `projects` and `access` keep the default page (20), so N = 100 costs at
  most 20 + 20·20 + 20·100 = 2,420 nodes of the 50,000 budget (`upstream` is a list, not a
  connection, and counts nothing).
- `organization { activity(first: N) { … actor subject } }`: at most 100 nodes.
- `project(owner:, name:) { runs(first: N) { … artifacts downstream project } }`: at most 100.

Like for like: a warm-up request first (the first authenticated request writes the token's
`last_used_at`); run creators and activity actors are users no other field loads (not the viewer,
not a grantee), so the `createdBy` and `actor` loaders run at N = 1 as at N = 100 rather than
answering from rows another field cached; every run in a page has upstream, downstream and
artifacts to load; and each activity test uses one subject type, because each type resolves
through its own loaders (a page of mixed types costs a few statements more, once per type, at
any N). The trimmed-query checks show that each nested field does cost statements at N = 1.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.activity.models import Activity
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.projects.models import Project, ProjectGrant, ProjectRole, ProjectVisibility
from app.runs.models import ArtifactKind, Run, RunArtifact, RunEdge, RunStatus
from app.teams.models import Team
from app.users.models import User
from tests.helpers import Factory, GraphQLClient, Person, StatementCounter

PROJECTS = 10
RUNS_PER_PROJECT = 115
ACTIVITIES = 120
CREATORS = 5
ARTIFACTS_PER_RUN = 2
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)

PROJECTS_QUERY = """
query Projects($n: Int!) {
  organization(name: "acme") {
    projects {
      edges { node {
        name
        access { edges { node {
          role
          grantee { __typename ... on User { username } ... on Team { name } }
        } } }
        runs(first: $n) { totalCount edges { node {
          name
          upstream { name }
          createdBy { username }
        } } }
      } }
    }
  }
}
"""

ACTIVITY_QUERY = """
query Activity($n: Int!) {
  organization(name: "acme") {
    activity(first: $n) {
      totalCount
      edges { node { verb actor { username } subject { __typename } } }
    }
  }
}
"""

RUNS_QUERY = """
query Runs($n: Int!) {
  project(owner: "acme", name: "p00") {
    runs(first: $n) {
      totalCount
      edges { node {
        name
        artifacts { name }
        downstream { name }
        project { name }
      } }
    }
  }
}
"""


@dataclass
class Seeded:
    viewer: Person
    organization_id: int
    project_ids: list[int]
    run_ids: list[list[int]]  # per project, oldest first
    team_ids: list[int]


def _moment(project: int, run: int) -> datetime:
    return BASE_TIME + timedelta(minutes=run, seconds=project)


async def _seed(sessions: async_sessionmaker[AsyncSession], viewer: Person) -> Seeded:
    """One organization the viewer administers: 10 projects (every visibility), each with two
    user grants, two team grants and 115 runs with artifacts and lineage.

    Lineage: run j of project k consumed run j of project k - 1, and run j of project 0 consumed
    its run j - 1; so every run but the very first has upstream, and every run of p00 has
    downstream. Creators (`zcreator*`) are users no grant names.
    """
    async with sessions() as session, session.begin():
        organization = Organization(name="acme")
        grantees = [
            User(username=f"grantee{i}", email=f"grantee{i}@example.org") for i in range(10)
        ]
        creators = [
            User(username=f"zcreator{i}", email=f"zcreator{i}@example.org") for i in range(CREATORS)
        ]
        session.add_all([organization, *grantees, *creators])
        await session.flush()
        session.add(
            OrganizationMember(
                organization_id=organization.id, user_id=viewer.id, role=OrganizationRole.ADMIN
            )
        )
        session.add_all(
            OrganizationMember(
                organization_id=organization.id, user_id=user.id, role=OrganizationRole.OUTSIDER
            )
            for user in grantees
        )
        session.add_all(
            OrganizationMember(
                organization_id=organization.id, user_id=user.id, role=OrganizationRole.MEMBER
            )
            for user in creators
        )
        teams = [Team(organization_id=organization.id, name=f"team{i}") for i in range(PROJECTS)]
        visibilities = list(ProjectVisibility)
        projects = [
            Project(
                organization_id=organization.id,
                name=f"p{k:02d}",
                visibility=visibilities[k % len(visibilities)],
                tags=[],
            )
            for k in range(PROJECTS)
        ]
        session.add_all([*teams, *projects])
        await session.flush()
        for k, project in enumerate(projects):
            other = (k + 1) % PROJECTS
            session.add_all(
                [
                    ProjectGrant(
                        project_id=project.id, user_id=grantees[k].id, role=ProjectRole.WRITER
                    ),
                    ProjectGrant(
                        project_id=project.id, user_id=grantees[other].id, role=ProjectRole.VIEWER
                    ),
                    ProjectGrant(
                        project_id=project.id, team_id=teams[k].id, role=ProjectRole.VIEWER
                    ),
                    ProjectGrant(
                        project_id=project.id, team_id=teams[other].id, role=ProjectRole.ADMIN
                    ),
                ]
            )
        runs = [
            [
                Run(
                    uuid=uuid.uuid4().hex,
                    project_id=project.id,
                    name=f"p{k:02d}-r{j:03d}",
                    status=RunStatus.SUCCEEDED,
                    tags=[],
                    created_by_id=creators[j % CREATORS].id,
                    created_at=_moment(k, j),
                    updated_at=_moment(k, j),
                )
                for j in range(RUNS_PER_PROJECT)
            ]
            for k, project in enumerate(projects)
        ]
        session.add_all([run for row in runs for run in row])
        await session.flush()
        session.add_all(
            RunArtifact(run_id=run.id, name=f"a{a}", kind=ArtifactKind.MODEL, path=f"s3://{a}")
            for row in runs
            for run in row
            for a in range(ARTIFACTS_PER_RUN)
        )
        session.add_all(
            RunEdge(upstream_id=runs[k - 1][j].id, downstream_id=runs[k][j].id)
            for k in range(1, PROJECTS)
            for j in range(RUNS_PER_PROJECT)
        )
        session.add_all(
            RunEdge(upstream_id=runs[0][j - 1].id, downstream_id=runs[0][j].id)
            for j in range(1, RUNS_PER_PROJECT)
        )
        return Seeded(
            viewer=viewer,
            organization_id=organization.id,
            project_ids=[project.id for project in projects],
            run_ids=[[run.id for run in row] for row in runs],
            team_ids=[team.id for team in teams],
        )


@pytest.fixture
async def seeded(factory: Factory, sessions: async_sessionmaker[AsyncSession]) -> Seeded:
    return await _seed(sessions, await factory.user("viewer"))


async def _measure(
    gql: GraphQLClient, seeded: Seeded, counter: StatementCounter, query: str, n: int
) -> tuple[int, dict[str, Any]]:
    counter.reset()
    data = await gql.data(query, {"n": n}, as_=seeded.viewer)
    return counter.count, data


def _without(query: str, *fields: str) -> str:
    """The query less some selections (each given exactly as written in it)."""
    for field in fields:
        assert field in query, field
        query = query.replace(field, "")
    return query


async def test_projects_access_and_runs_cost_the_same_for_1_and_100(
    gql: GraphQLClient, seeded: Seeded, count_statements: StatementCounter
) -> None:
    await _measure(gql, seeded, count_statements, PROJECTS_QUERY, 1)  # warm-up
    small, _ = await _measure(gql, seeded, count_statements, PROJECTS_QUERY, 1)
    large, data = await _measure(gql, seeded, count_statements, PROJECTS_QUERY, 100)

    projects = data["organization"]["projects"]["edges"]
    assert len(projects) == PROJECTS
    for edge in projects:
        node = edge["node"]
        grantees = {grant["node"]["grantee"]["__typename"] for grant in node["access"]["edges"]}
        assert len(node["access"]["edges"]) == 4
        assert grantees == {"User", "Team"}
        runs = node["runs"]["edges"]
        assert node["runs"]["totalCount"] == RUNS_PER_PROJECT
        assert len(runs) == 100
        assert all(len(run["node"]["upstream"]) == 1 for run in runs)
        assert all(run["node"]["createdBy"]["username"].startswith("zcreator") for run in runs)

    assert small == large, (small, large)
    # 14: authentication; the organization by name and the viewer's standing there (membership,
    # and whether it owns a public project: one statement); the projects page; runs page and
    # count; upstream; creators; for `access`'s permission the viewer's facts (projects by id,
    # memberships, grants); the access page; grantee users; grantee teams.
    assert large <= 14, large

    for field in ("upstream { name }", "createdBy { username }"):
        trimmed = _without(PROJECTS_QUERY, field)
        await _measure(gql, seeded, count_statements, trimmed, 1)
        cheaper, _ = await _measure(gql, seeded, count_statements, trimmed, 1)
        assert cheaper < small, (field, cheaper, small)


async def _seed_activity(
    sessions: async_sessionmaker[AsyncSession], seeded: Seeded, subject_type: str
) -> None:
    """120 activities by five actors no other field loads, all about one kind of subject."""
    by_type: dict[str, list[tuple[int, int | None]]] = {
        "Organization": [(seeded.organization_id, None)] * PROJECTS,
        "Team": [(team_id, None) for team_id in seeded.team_ids],
        "Project": [(project_id, project_id) for project_id in seeded.project_ids],
        "Run": [
            (run_ids[-1], project_id)
            for run_ids, project_id in zip(seeded.run_ids, seeded.project_ids, strict=True)
        ],
    }
    subjects = by_type[subject_type]
    async with sessions() as session, session.begin():
        actors = [User(username=f"zactor{i}", email=f"zactor{i}@example.org") for i in range(5)]
        session.add_all(actors)
        await session.flush()
        session.add_all(
            Activity(
                organization_id=seeded.organization_id,
                project_id=subjects[i % len(subjects)][1],
                actor_id=actors[i % len(actors)].id,
                verb=f"{subject_type.lower()}.updated",
                subject_type=subject_type,
                subject_id=subjects[i % len(subjects)][0],
                at=BASE_TIME + timedelta(seconds=i),
            )
            for i in range(ACTIVITIES)
        )


@pytest.mark.parametrize("subject_type", ["Organization", "Team", "Project", "Run"])
async def test_activity_costs_the_same_for_1_and_100(
    gql: GraphQLClient,
    seeded: Seeded,
    sessions: async_sessionmaker[AsyncSession],
    count_statements: StatementCounter,
    subject_type: str,
) -> None:
    await _seed_activity(sessions, seeded, subject_type)
    await _measure(gql, seeded, count_statements, ACTIVITY_QUERY, 1)  # warm-up
    small, _ = await _measure(gql, seeded, count_statements, ACTIVITY_QUERY, 1)
    large, data = await _measure(gql, seeded, count_statements, ACTIVITY_QUERY, 100)

    activity = data["organization"]["activity"]
    assert activity["totalCount"] == ACTIVITIES
    assert len(activity["edges"]) == 100
    for edge in activity["edges"]:
        assert edge["node"]["actor"]["username"].startswith("zactor")
        assert edge["node"]["subject"] == {"__typename": subject_type}

    assert small == large, (small, large)
    # 7 to 10: authentication; the organization by name and the viewer's standing there; the
    # activity page and count; actors; then the subjects' own loaders: the row, and what decides
    # whether the viewer reads it that is not known yet (nothing for the organization; the role
    # on a team; memberships and grants for a project; and a run's project row too).
    assert large <= 10, large

    trimmed = _without(ACTIVITY_QUERY, "actor { username }", "subject { __typename }")
    await _measure(gql, seeded, count_statements, trimmed, 1)
    cheaper, _ = await _measure(gql, seeded, count_statements, trimmed, 1)
    assert cheaper < small, (cheaper, small)


async def test_project_runs_cost_the_same_for_1_and_100(
    gql: GraphQLClient, seeded: Seeded, count_statements: StatementCounter
) -> None:
    await _measure(gql, seeded, count_statements, RUNS_QUERY, 1)  # warm-up
    small, _ = await _measure(gql, seeded, count_statements, RUNS_QUERY, 1)
    large, data = await _measure(gql, seeded, count_statements, RUNS_QUERY, 100)

    runs = data["project"]["runs"]
    assert runs["totalCount"] == RUNS_PER_PROJECT
    assert len(runs["edges"]) == 100
    for index, edge in enumerate(runs["edges"]):
        node = edge["node"]
        assert [a["name"] for a in node["artifacts"]] == ["a0", "a1"]
        # run j of p01, and the next run of p00 (which the newest has not)
        assert len(node["downstream"]) == (1 if index == 0 else 2)
        assert node["project"] == {"name": "p00"}

    assert small == large, (small, large)
    # 9: authentication; the project by name, the viewer's membership and grants; runs page and
    # count; artifacts; downstream; projects by id.
    assert large <= 9, large

    for field in ("artifacts { name }", "downstream { name }"):
        trimmed = _without(RUNS_QUERY, field)
        await _measure(gql, seeded, count_statements, trimmed, 1)
        cheaper, _ = await _measure(gql, seeded, count_statements, trimmed, 1)
        assert cheaper < small, (field, cheaper, small)
    # The runs' project is the one the viewer's access was decided on: already loaded.
    trimmed = _without(RUNS_QUERY, "project { name }")
    await _measure(gql, seeded, count_statements, trimmed, 1)
    free, _ = await _measure(gql, seeded, count_statements, trimmed, 1)
    assert free == small, (free, small)
