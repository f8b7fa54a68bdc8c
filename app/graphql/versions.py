"""What model and component versions share in the graph: stages, their history, the interface."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from app.graphql.context import Info
from app.registry import models

if TYPE_CHECKING:
    from app.projects.types import Project
    from app.users.types import User

UserRef = Annotated["User", strawberry.lazy("app.users.types")]
ProjectRef = Annotated["Project", strawberry.lazy("app.projects.types")]

Stage = strawberry.enum(models.Stage, name="Stage", description="New versions start in TESTING.")


@strawberry.type(description="One move between stages: who, when, why.")
class StageCondition:
    stage: Stage  # type: ignore[valid-type]
    reason: str | None
    message: str | None
    at: datetime
    _actor_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> "StageCondition":
        return cls(
            stage=row.stage,
            reason=row.reason,
            message=row.message,
            at=row.at,
            _actor_id=row.actor_id,
        )

    @strawberry.field
    async def actor(self, info: Info) -> UserRef | None:
        from app.users.types import User  # noqa: PLC0415

        if self._actor_id is None:
            return None
        row = await info.context.loaders.users.by_id.load(self._actor_id)
        return None if row is None else User.from_row(row)


@strawberry.interface(description="What model and component versions share.")
class ProjectVersion:
    name: str
    description: str | None
    tags: list[str]
    stage: Stage  # type: ignore[valid-type]
    digest: str = strawberry.field(description="sha256 of the canonical content.")
    created_at: datetime
    updated_at: datetime
    _project_id: strawberry.Private[int]
    _created_by_id: strawberry.Private[int | None]

    @strawberry.field(description="`owner/project:version`.")
    async def reference(self, info: Info) -> str:
        loaders = info.context.loaders
        project = await loaders.projects.by_id.load(self._project_id)
        assert project is not None
        organization = await loaders.organizations.by_id.load(project.organization_id)
        assert organization is not None
        return f"{organization.name}/{project.name}:{self.name}"

    @strawberry.field
    async def project(self, info: Info) -> ProjectRef:
        from app.projects.types import Project  # noqa: PLC0415

        row = await info.context.loaders.projects.by_id.load(self._project_id)
        assert row is not None
        return Project.from_row(row)

    @strawberry.field
    async def created_by(self, info: Info) -> UserRef | None:
        from app.users.types import User  # noqa: PLC0415

        if self._created_by_id is None:
            return None
        row = await info.context.loaders.users.by_id.load(self._created_by_id)
        return None if row is None else User.from_row(row)
