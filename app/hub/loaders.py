from sqlalchemy import select

from app.context import Context
from app.hub.models import ComponentStageCondition, ComponentVersion
from app.loaders import ConnectionLoaders, GroupedRowsLoader, RowsByKeyLoader


class HubLoaders:
    def __init__(self, ctx: Context) -> None:
        self.by_id: RowsByKeyLoader[int, ComponentVersion] = RowsByKeyLoader(
            ctx, ComponentVersion, ComponentVersion.id
        )
        self.of_project: ConnectionLoaders[int, ComponentVersion] = ConnectionLoaders(
            ctx, ComponentVersion, ComponentVersion.project_id
        )
        self.conditions: GroupedRowsLoader[int, ComponentStageCondition] = GroupedRowsLoader(
            ctx,
            select(ComponentStageCondition).order_by(
                ComponentStageCondition.at, ComponentStageCondition.id
            ),
            ComponentStageCondition.component_version_id,
        )
