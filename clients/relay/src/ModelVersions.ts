import { graphql } from "./graphql";

// The model page's versions, by stage.
export const ModelVersions = graphql`
  fragment ModelVersions_project on Project
  @refetchable(queryName: "ModelVersionsPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
    stage: { type: "[Stage!]" }
  ) {
    latestModelVersion(stage: PRODUCTION) {
      id
      name
    }
    modelVersions(first: $count, after: $cursor, filter: { stage: $stage })
      @connection(key: "ModelVersions_modelVersions", filters: ["filter"]) {
      totalCount
      edges {
        node {
          id
          name
          reference
          stage
          digest
          viewerCan {
            toProduction: transition(to: PRODUCTION)
          }
          run {
            id
            name
          }
          lineage {
            sourceProject {
              id
              fullName
            }
            upstream {
              id
              name
            }
          }
        }
      }
    }
  }
`;
