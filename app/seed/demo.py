"""The demo world (`--scale small`, and the start of `medium`), built through the services so that
activity and rules apply: users ada and bob with tokens, the organization acme with a team, a
training project with runs and lineage, a model registry with versions in stages, and the component
hub filled with Polyaxon's real specs. The same rows every time (but the tokens, which are secrets).
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.authn import Viewer
from app.authz.enforcer import Authorizer
from app.authz.roles import Kind
from app.clock import Script, scripted
from app.context import Context
from app.hub import service as hub
from app.organizations import service as organizations
from app.organizations.models import Organization, OrganizationRole
from app.projects import service as projects
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.registry import service as registry
from app.runs import service as runs
from app.runs.models import ArtifactKind, RunStatus
from app.runs.service import ArtifactSpec
from app.seed.progress import Phases
from app.settings import Settings
from app.teams import service as teams
from app.teams.models import TeamRole
from app.users import service as users
from app.users.models import User
from app.versions import service as versions
from app.versions.models import Stage

HUB_SPECS = Path(__file__).parent.parent / "hub" / "examples" / "polyaxon-hub"
# The demo's own generator (its runs' uuids): the demo is the same whatever `--seed` says.
DEMO_SEED = 2026


@dataclass
class Demo:
    tokens: dict[str, str]
    ada: User
    acme: Organization
    ended: datetime


async def build(
    session: AsyncSession, authz: Authorizer, settings: Settings, start: datetime, phases: Phases
) -> Demo:
    """Write the demo in the caller's transaction, its clock starting at `start`."""
    hub_projects = sorted(path for path in HUB_SPECS.iterdir() if path.is_dir())
    with (
        scripted(Script(start, random.Random(DEMO_SEED))) as clock,
        phases.phase("demo world (services)", 1 + len(hub_projects)) as advance,
    ):
        tokens: dict[str, str] = {}
        ada = await users.create_user(
            session, username="ada", email="ada@example.org", display_name="Ada Lovelace"
        )
        bob = await users.create_user(session, username="bob", email="bob@example.org")
        for user in (ada, bob):
            _, tokens[user.username] = await users.issue_token(
                session, user, name="demo", expires_at=None
            )
        as_ada = Context(session, Viewer(ada.id, ada.username), authz, settings)
        as_bob = Context(session, Viewer(bob.id, bob.username), authz, settings)

        clock.advance(timedelta(minutes=10))
        acme = await organizations.create_organization(
            as_ada, name="acme", display_name="Acme ML", description="The demo organization"
        )
        await organizations.add_member(
            as_ada, acme.id, username="bob", role=OrganizationRole.MEMBER
        )
        vision = await teams.create_team(as_ada, acme.id, name="vision", description=None)
        await teams.add_team_member(as_ada, vision.id, username="bob", role=TeamRole.MAINTAINER)

        clock.advance(timedelta(minutes=20))
        training, model = [
            await projects.create_project(
                as_ada, acme.id, name=name, description=description, readme=None, tags=[tag],
                visibility=ProjectVisibility.INTERNAL, features=[feature],
            )
            for name, description, tag, feature in (
                ("training", "Experiments", "cv", ProjectFeature.RUNTIME),
                ("fraud-model", "The model registry for fraud detection", "golden",
                 ProjectFeature.MODEL),
            )
        ]  # fmt: skip
        await projects.set_promotion_sources(as_ada, model.id, [training.id])
        await projects.set_access(
            as_ada, model.id, username=None, team="vision", role=ProjectRole.WRITER
        )

        clock.advance(timedelta(hours=2))
        data = await runs.create_run(
            as_bob, training.id, name="prepare-data", status=RunStatus.SUCCEEDED, tags=["data"],
            inputs={"rows": 100_000}, outputs=None,
            artifacts=[ArtifactSpec("dataset", ArtifactKind.DATASET, "s3://acme/data/v1")],
            upstream=[],
        )  # fmt: skip
        for index, accuracy in enumerate((0.91, 0.94, 0.96), start=1):
            clock.advance(timedelta(hours=5))
            run = await runs.create_run(
                as_bob, training.id, name=f"train-{index}", status=RunStatus.SUCCEEDED,
                tags=["golden"] if accuracy > 0.95 else [], inputs={"lr": 0.01 / index},
                outputs={"accuracy": accuracy, "loss": round(1 - accuracy, 2)},
                artifacts=[ArtifactSpec("model", ArtifactKind.MODEL, f"s3://acme/models/{index}")],
                upstream=[data.id],
            )  # fmt: skip
            clock.advance(timedelta(minutes=30))
            version = await registry.promote_run(
                as_bob, model.id, run_id=run.id, name=f"v{index}", artifact_names=["model"],
                description=None, tags=[], metadata={"framework": "pytorch"},
            )  # fmt: skip
            for stage in (Stage.STAGING, Stage.PRODUCTION)[: index - 1]:
                clock.advance(timedelta(hours=1))
                await versions.transition(
                    as_ada, Kind.MODEL_VERSION, version.id, stage=stage, reason="demo",
                    message=None, archive_others=stage is Stage.PRODUCTION,
                )  # fmt: skip
        advance(1)

        for directory in hub_projects:
            clock.advance(timedelta(minutes=15))
            project = await projects.create_project(
                as_ada, acme.id, name=directory.name, description=None, readme=None, tags=["hub"],
                visibility=ProjectVisibility.PUBLIC, features=[ProjectFeature.COMPONENT],
            )  # fmt: skip
            for spec_file in sorted(directory.glob("*.yaml")):
                await hub.publish(
                    as_ada, project.id, name=spec_file.stem, spec=spec_file.read_text(),
                    description=None, tags=[],
                )  # fmt: skip
            advance(1)
    return Demo(tokens=tokens, ada=ada, acme=acme, ended=clock.at)
