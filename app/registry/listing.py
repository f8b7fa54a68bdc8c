"""The list of a registry's model versions the graph pages."""

from strawberry import relay

from app.graphql.kit import where
from app.graphql.refs import ModelVersionRef
from app.pql import RelatedUuidField
from app.registry.models import ModelVersion
from app.runs.models import Run
from app.versions.listing import version_listing

# A project's versions (the project was readable, so its versions are).
MODEL_VERSIONS = version_listing(
    ModelVersion,
    ModelVersionRef,
    "ModelVersion",
    own_field=("run", RelatedUuidField(ModelVersion.run_id, Run.id, Run.uuid)),
    own_filter=(
        "run",
        relay.GlobalID | None,
        where("run", description="The id of the run the versions were promoted from.", node="Run"),
    ),
)(parent=ModelVersion.project_id)
