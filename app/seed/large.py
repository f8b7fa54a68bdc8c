"""`--scale large`: the performance workloads' data set (`make bench`, `make bench-memory`).

50 organizations, 2,000 users; `acme` (its OWNER is `ada`, user 1) holds a training project
with 200,000 runs, 60 model projects of 12 versions each, and `big` with 100,000 versions (10 %
tagged `golden`), every version promoted from its own run; each version entered TESTING and 75 %
moved on to the stage they hold (176,260 stage conditions). The rows follow fixed formulas, not
the seed, so every measurement runs on the same data; they are built in Python, so SQLite takes
them too.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from hashlib import md5

from sqlalchemy.ext.asyncio import AsyncSession

from app.authz.enforcer import Authorizer
from app.authz.roles import SEED_BENCHMARK_ROLES, founding_role
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.projects.models import Project, ProjectVisibility, PromotionSource
from app.registry.models import ModelVersion, StageCondition
from app.registry.service import content, digest
from app.runs.models import Run, RunStatus
from app.seed.bulk import Row, insert_keyed, insert_rows
from app.seed.progress import Phases
from app.users import service as users
from app.users.models import User
from app.versions.models import Stage

USERS = 2_000
ORGANIZATIONS = 50
MEMBERS = 40  # in every organization, besides its OWNER
MODELS = 60
VERSIONS_PER_MODEL = 12
BIG_VERSIONS = 100_000
RUNS = 200_000
# Runs W3 may promote: the training runs no version names (ids above this are free).
VERSIONED_RUNS = BIG_VERSIONS + MODELS * VERSIONS_PER_MODEL

# Everyone and everything exists before the first run.
CREATED = datetime(2025, 12, 1, tzinfo=UTC)
RUNS_FROM = datetime(2026, 1, 1, tzinfo=UTC)
BIG_MOVED_FROM = datetime(2026, 2, 1, tzinfo=UTC)
MODELS_FROM = datetime(2026, 3, 1, tzinfo=UTC)
STAGES = (Stage.TESTING, Stage.STAGING, Stage.PRODUCTION, Stage.DISABLED)


def _md5(text: str) -> str:
    return md5(text.encode(), usedforsecurity=False).hexdigest()


def _project(organization_id: int, name: str, at: datetime, **values: object) -> Row:
    return {
        "organization_id": organization_id,
        "name": name,
        "description": None,
        "readme": None,
        "tags": [],
        "visibility": ProjectVisibility.INTERNAL,
        "runtime_enabled": False,
        "model_enabled": True,
        "component_enabled": False,
        "archived_at": None,
        "created_at": at,
        "updated_at": at,
        "created_by_id": None,
        **values,
    }


def _runs(project_id: int, user_ids: list[int]) -> Iterator[Row]:
    for n in range(1, RUNS + 1):
        at = RUNS_FROM + timedelta(seconds=n)
        # A run reported as finished: started and finished when it was created.
        yield {
            "uuid": _md5(str(n)),
            "project_id": project_id,
            "name": f"train-{n}",
            "status": RunStatus.SUCCEEDED,
            "tags": [],
            "inputs": None,
            "outputs": None,
            "created_by_id": user_ids[1 + n % (USERS - 1)],
            "created_at": at,
            "updated_at": at,
            "started_at": at,
            "finished_at": at,
        }


def _version(
    project_id: int,
    name: str,
    stage: Stage,
    run: tuple[int, str],
    author: int,
    created: datetime,
    moved: datetime,
    tags: list[str],
) -> Row:
    run_id, run_uuid = run
    return {
        "project_id": project_id,
        "name": name,
        "description": None,
        "tags": tags,
        "stage": stage,
        "run_id": run_id,
        "artifacts": [],
        "metadata": None,
        "digest": digest(content([], None, run_uuid)),
        "created_by_id": author,
        "created_at": created,
        "updated_at": moved,
    }


def _versions(big: int, models: list[int], run_ids: list[int], user_ids: list[int]) -> list[Row]:
    """big's versions take runs 1..100,000; the model projects' the next 720."""
    rows = []
    for n in range(1, BIG_VERSIONS + 1):
        created = RUNS_FROM + timedelta(seconds=n)
        rows.append(
            _version(
                big,
                f"v{n}",
                STAGES[n % 4],
                (run_ids[n - 1], _md5(str(n))),
                user_ids[1 + n % (USERS - 1)],
                created,
                BIG_MOVED_FROM + timedelta(seconds=n),
                ["golden"] if n % 10 == 0 else [],
            )
        )
    for m, project_id in enumerate(models):
        for v in range(VERSIONS_PER_MODEL):
            n = BIG_VERSIONS + m * VERSIONS_PER_MODEL + v + 1
            stage = STAGES[v % 4]
            created = MODELS_FROM + timedelta(minutes=m * 20 + v)
            moved = created if stage is Stage.TESTING else created + timedelta(hours=1)
            rows.append(
                _version(
                    project_id,
                    f"v{v}",
                    stage,
                    (run_ids[n - 1], _md5(str(n))),
                    user_ids[1 + (m * 13 + v) % (USERS - 1)],
                    created,
                    moved,
                    [],
                )
            )
    return rows


def _conditions(versions: list[Row], ids: list[int], user_ids: list[int]) -> Iterator[Row]:
    """Every version entered TESTING when created; those elsewhere moved there when updated."""
    for number, (version, version_id) in enumerate(zip(versions, ids, strict=True), start=1):
        yield {
            "model_version_id": version_id,
            "stage": Stage.TESTING,
            "reason": "created",
            "message": None,
            "actor_id": version["created_by_id"],
            "at": version["created_at"],
        }
        if version["stage"] is not Stage.TESTING:
            yield {
                "model_version_id": version_id,
                "stage": version["stage"],
                "reason": "promoted",
                "message": None,
                "actor_id": user_ids[1 + (number * 7) % (USERS - 1)],
                "at": version["updated_at"],
            }


async def build(session: AsyncSession, authz: Authorizer, phases: Phases) -> dict[str, str]:
    """Write the data set in the caller's transaction; ada's new token."""
    connection = await session.connection()
    with phases.phase("users and organizations", USERS + ORGANIZATIONS) as advance:
        people = [
            {
                "username": "ada",
                "email": "ada@example.org",
                "display_name": "Ada Lovelace",
                "created_at": CREATED,
            }
        ] + [
            {
                "username": f"user-{n}",
                "email": f"user-{n}@example.org",
                "display_name": f"User {n}",
                "created_at": CREATED,
            }
            for n in range(1, USERS)
        ]
        user_ids = await insert_keyed(connection, User, people, ("username",), advance)
        places = [{"name": "acme", "display_name": "ACME"}] + [
            {"name": f"org-{n}", "display_name": None} for n in range(2, ORGANIZATIONS + 1)
        ]
        organization_ids = await insert_keyed(
            connection,
            Organization,
            [
                {**place, "description": None, "created_at": CREATED, "updated_at": CREATED}
                for place in places
            ],
            ("name",),
            advance,
        )
        founder = founding_role(authz)
        members: dict[tuple[int, int], OrganizationRole] = {
            (organization_ids[0], user_ids[0]): founder
        }
        for o, organization_id in enumerate(organization_ids, start=1):
            for m in range(1, MEMBERS + 1):
                user_id = user_ids[1 + (o * 37 + m) % (USERS - 1)]
                owner = o > 1 and m == 1  # acme's is ada
                members.setdefault(
                    (organization_id, user_id), founder if owner else SEED_BENCHMARK_ROLES[m % 4]
                )
        await insert_rows(
            connection,
            OrganizationMember,
            [
                {"organization_id": o, "user_id": u, "role": role, "joined_at": CREATED}
                for (o, u), role in members.items()
            ],
            lambda _: None,
        )

    acme, ada = organization_ids[0], user_ids[0]
    with phases.phase("projects", 2 + MODELS + 2 * (ORGANIZATIONS - 1)) as advance:
        projects = [
            _project(
                acme,
                "training",
                CREATED,
                runtime_enabled=True,
                model_enabled=False,
                created_by_id=ada,
            ),
            *(
                _project(acme, f"model-{n}", CREATED - timedelta(minutes=n), created_by_id=ada)
                for n in range(MODELS)
            ),
            _project(acme, "big", CREATED, tags=["golden"], created_by_id=ada),
            *(
                _project(
                    organization_id,
                    f"project-{p}",
                    CREATED,
                    runtime_enabled=True,
                    visibility=ProjectVisibility.PRIVATE,
                )
                for organization_id in organization_ids[1:]
                for p in (1, 2)
            ),
        ]
        project_ids = await insert_keyed(
            connection, Project, projects, ("organization_id", "name"), advance
        )
        training, models, big = project_ids[0], project_ids[1 : MODELS + 1], project_ids[MODELS + 1]
        # Every model project accepts runs from training.
        await insert_rows(
            connection,
            PromotionSource,
            [{"project_id": p, "source_project_id": training} for p in [*models, big]],
            lambda _: None,
        )

    with phases.phase("runs", RUNS) as advance:
        run_ids = await insert_keyed(
            connection, Run, list(_runs(training, user_ids)), ("uuid",), advance
        )
    versions = _versions(big, models, run_ids, user_ids)
    with phases.phase("model versions", len(versions)) as advance:
        version_ids = await insert_keyed(
            connection, ModelVersion, versions, ("project_id", "name"), advance
        )
    moved = sum(1 for version in versions if version["stage"] is not Stage.TESTING)
    with phases.phase("stage conditions", len(versions) + moved) as advance:
        await insert_rows(
            connection, StageCondition, _conditions(versions, version_ids, user_ids), advance
        )
    ada_user = await session.get(User, ada)
    assert ada_user is not None
    _, token = await users.issue_token(session, ada_user, name="seed", expires_at=None)
    return {"ada": token}
