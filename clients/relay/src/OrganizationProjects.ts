import { graphql } from "./graphql";

// The organization page's project list: paginated and refetchable in place.
export const OrganizationProjects = graphql`
  fragment OrganizationProjects_organization on Organization
  @refetchable(queryName: "OrganizationProjectsPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
    query: { type: "String" }
  ) {
    projects(first: $count, after: $cursor, query: $query)
      @connection(key: "OrganizationProjects_projects", filters: ["query"]) {
      totalCount
      edges {
        node {
          id
          name
          fullName
          visibility
          updatedAt
        }
      }
    }
  }
`;
