"""`hubql seed`: a demo world built through the services (so activity and rules apply):
two users, an organization with a team, a training project with runs and lineage, a model
registry with versions in stages, and the component hub filled with Polyaxon's real specs."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from app.authn import Viewer
from app.authz.enforcer import Authorizer
from app.authz.roles import Kind
from app.context import Context
from app.db import create_sessionmaker, write_transaction
from app.hub import service as hub
from app.organizations import service as organizations
from app.organizations.models import OrganizationRole
from app.projects import service as projects
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.registry import service as registry
from app.runs import service as runs
from app.runs.models import ArtifactKind, RunStatus
from app.runs.service import ArtifactSpec
from app.settings import Settings
from app.teams import service as teams
from app.teams.models import TeamRole
from app.users import service as users
from app.versions import service as versions
from app.versions.models import Stage

HUB_SPECS = Path(__file__).parent / "hub" / "examples" / "polyaxon-hub"


@dataclass
class Seeded:
    tokens: dict[str, str]
    components: int
    versions: int


async def seed(engine: AsyncEngine, settings: Settings) -> Seeded:
    authz = Authorizer(settings.policy_dir)
    sessions = create_sessionmaker(engine)
    tokens: dict[str, str] = {}
    async with sessions() as session, write_transaction(session):
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

        acme = await organizations.create_organization(
            as_ada, name="acme", display_name="Acme ML", description="The demo organization"
        )
        await organizations.add_member(
            as_ada, acme.id, username="bob", role=OrganizationRole.MEMBER
        )
        vision = await teams.create_team(as_ada, acme.id, name="vision", description=None)
        await teams.add_team_member(as_ada, vision.id, username="bob", role=TeamRole.MAINTAINER)

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

        data = await runs.create_run(
            as_bob, training.id, name="prepare-data", status=RunStatus.SUCCEEDED, tags=["data"],
            inputs={"rows": 100_000}, outputs=None,
            artifacts=[ArtifactSpec("dataset", ArtifactKind.DATASET, "s3://acme/data/v1")],
            upstream=[],
        )  # fmt: skip
        version_count = 0
        for index, accuracy in enumerate((0.91, 0.94, 0.96), start=1):
            run = await runs.create_run(
                as_bob, training.id, name=f"train-{index}", status=RunStatus.SUCCEEDED,
                tags=["golden"] if accuracy > 0.95 else [], inputs={"lr": 0.01 / index},
                outputs={"accuracy": accuracy, "loss": round(1 - accuracy, 2)},
                artifacts=[ArtifactSpec("model", ArtifactKind.MODEL, f"s3://acme/models/{index}")],
                upstream=[data.id],
            )  # fmt: skip
            version = await registry.promote_run(
                as_bob, model.id, run_id=run.id, name=f"v{index}", artifact_names=["model"],
                description=None, tags=[], metadata={"framework": "pytorch"},
            )  # fmt: skip
            version_count += 1
            for stage in (Stage.STAGING, Stage.PRODUCTION)[: index - 1]:
                await versions.transition(
                    as_ada, Kind.MODEL_VERSION, version.id, stage=stage, reason="demo",
                    message=None, archive_others=stage is Stage.PRODUCTION,
                )  # fmt: skip

        components = 0
        for directory in sorted(path for path in HUB_SPECS.iterdir() if path.is_dir()):
            project = await projects.create_project(
                as_ada, acme.id, name=directory.name, description=None, readme=None, tags=["hub"],
                visibility=ProjectVisibility.PUBLIC, features=[ProjectFeature.COMPONENT],
            )  # fmt: skip
            components += 1
            for spec_file in sorted(directory.glob("*.yaml")):
                await hub.publish(
                    as_ada, project.id, name=spec_file.stem, spec=spec_file.read_text(),
                    description=None, tags=[],
                )  # fmt: skip
                version_count += 1
    return Seeded(tokens=tokens, components=components, versions=version_count)
