import { graphql } from "./graphql";

// The organization page's members: a connection of non-Node edges, refetched via the organization.
export const OrganizationMembers = graphql`
  fragment OrganizationMembers_organization on Organization
  @refetchable(queryName: "OrganizationMembersPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
  ) {
    viewerCan {
      manageMembers
    }
    members(first: $count, after: $cursor) @connection(key: "OrganizationMembers_members") {
      totalCount
      edges {
        node {
          role
          joinedAt
          user {
            id
            username
            displayName
          }
        }
      }
    }
  }
`;
