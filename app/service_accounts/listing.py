"""The lists of service accounts the graph pages (the field says who may see them)."""

from app.graphql.kit import Listing
from app.graphql.refs import ServiceAccountRef
from app.pagination import SortKey
from app.service_accounts.models import ServiceAccount

# An organization's service accounts, oldest first.
SERVICE_ACCOUNTS = Listing(
    model=ServiceAccount,
    node=ServiceAccountRef,
    parent=ServiceAccount.organization_id,
    order=SortKey("created_at", ((ServiceAccount.created_at, False), (ServiceAccount.id, False))),
)
