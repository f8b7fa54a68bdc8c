from app.activity.models import Activity
from app.context import Context
from app.loaders import ConnectionLoaders


class ActivityLoaders:
    def __init__(self, ctx: Context) -> None:
        self.of_organization: ConnectionLoaders[int | None, Activity] = ConnectionLoaders(
            ctx, Activity, Activity.organization_id
        )
