import { graphql } from "./graphql";

// The project page's runs with their lineage, filterable by status.
export const ProjectRuns = graphql`
  fragment ProjectRuns_project on Project
  @refetchable(queryName: "ProjectRunsPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
    filter: { type: "RunFilter" }
  ) {
    runs(first: $count, after: $cursor, filter: $filter)
      @connection(key: "ProjectRuns_runs", filters: ["filter"]) {
      totalCount
      edges {
        node {
          id
          uuid
          name
          status
          createdAt
          viewerCan {
            update
          }
          upstream {
            id
            name
          }
          downstream {
            id
            name
          }
        }
      }
    }
  }
`;
