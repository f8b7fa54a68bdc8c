"""The component hub in the graph: component versions as views over `app.hub.models` rows."""

from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from app.authz.roles import Kind
from app.graphql.context import Info
from app.graphql.cost import ListSize
from app.graphql.kit import RowNode, Slice, connection, in_project, payload
from app.graphql.refs import ComponentVersionRef
from app.hub import models
from app.hub import service as hub
from app.hub.listing import HUB
from app.hub.spec import to_yaml
from app.versions.types import (
    ProjectVersion,
    StageCondition,
    TransitionInput,
    UpdateInput,
    stage_conditions,
)


@strawberry.type(description="An input or output of a component.")
class ComponentIO:
    """A view over one entry of a version's `inputs` or `outputs` (JSON, as validated)."""

    name: str
    type: str | None = strawberry.field(description="Null when any value is accepted.")
    description: str | None
    is_optional: bool
    is_list: bool
    value: JSON | None = strawberry.field(description="The default value, if any.")

    @classmethod
    def of(cls, entry: dict[str, Any]) -> "ComponentIO":
        return cls(
            name=entry["name"],
            type=entry.get("type"),
            description=entry.get("description"),
            is_optional=bool(entry.get("isOptional")),
            is_list=bool(entry.get("isList")),
            value=JSON(entry.get("value")),
        )


def _spec_yaml(version: strawberry.Parent[models.ComponentVersion]) -> str:
    return to_yaml(version.spec)


def _inputs(version: strawberry.Parent[models.ComponentVersion]) -> list[ComponentIO]:
    return [ComponentIO.of(entry) for entry in version.inputs or []]


def _outputs(version: strawberry.Parent[models.ComponentVersion]) -> list[ComponentIO]:
    return [ComponentIO.of(entry) for entry in version.outputs or []]


@strawberry.type(name="ComponentVersion")
class ComponentVersion(RowNode, ProjectVersion):
    model, kind = models.ComponentVersion, Kind.COMPONENT_VERSION
    run_kind: str = strawberry.field(description="`job`, `service`, `dag`, …")
    spec: JSON = strawberry.field(description="The canonical spec.")
    spec_yaml: str = strawberry.field(resolver=_spec_yaml, description="The spec as YAML.")
    inputs: list[ComponentIO] = strawberry.field(
        resolver=_inputs, directives=[ListSize(assumed_size=10)]
    )
    outputs: list[ComponentIO] = strawberry.field(
        resolver=_outputs, directives=[ListSize(assumed_size=10)]
    )
    stage_conditions: list[StageCondition] = stage_conditions()


# ---- root fields and mutations ----------------------------------------------------------------


@strawberry.type
class HubQuery:
    @connection(
        HUB,
        description="Every component version the viewer may use: public ones everywhere and "
        "what their organizations allow.",
    )
    async def hub(self) -> Slice:
        return HUB.everything()

    @strawberry.field(
        description="`owner/component:v1`; no tag is the latest version; the owner may be "
        "left out when the name is unambiguous."
    )
    async def component_version(self, info: Info, reference: str) -> ComponentVersionRef | None:
        return await hub.find_by_reference(info.context, reference)


@strawberry.input
class PublishComponentVersionInput:
    project_id: relay.GlobalID
    name: str = strawberry.field(description="The version name, e.g. `1.1` or `latest`.")
    spec: str = strawberry.field(description="The component spec, YAML or JSON.")
    description: str | None = None
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the given fields change; name and spec never do.")
class UpdateComponentVersionInput(UpdateInput):
    pass


@strawberry.input
class ComponentVersionIdInput:
    id: relay.GlobalID


@strawberry.input
class TransitionComponentVersionStageInput(TransitionInput):
    archive_others: bool = False


@payload
class ComponentVersionPayload:
    component_version: ComponentVersionRef | None = None


@strawberry.type
class HubMutation:
    publish_component_version: ComponentVersionPayload | None = in_project(
        hub.publish,
        PublishComponentVersionInput,
        description="Validate a spec and publish it as a version.",
    )
