import { graphql } from "./graphql";

// The hub's search results: a connection on Query, refetchable with a new search.
export const HubSearch = graphql`
  fragment HubSearch_query on Query
  @refetchable(queryName: "HubSearchPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
    filter: { type: "ComponentVersionFilter" }
  ) {
    hub(first: $count, after: $cursor, filter: $filter)
      @connection(key: "HubSearch_hub", filters: ["filter"]) {
      totalCount
      edges {
        node {
          id
          reference
          stage
          runKind
          project {
            id
            fullName
          }
        }
      }
    }
  }
`;
