"""The list of a registry's model versions the graph pages."""

import strawberry

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
    own_filter=("run", strawberry.ID | None, where("run", description="A run uuid.")),
)(parent=ModelVersion.project_id)
