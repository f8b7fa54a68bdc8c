import { graphql } from "./graphql";

// The pages' root queries, spreading the fragments above.
export const OrganizationPage = graphql`
  query PagesOrganizationQuery($name: String!) {
    viewer {
      id
      username
    }
    organization(name: $name) {
      id
      name
      displayName
      viewerRole
      ...OrganizationProjects_organization
      ...OrganizationMembers_organization
    }
  }
`;

export const ProjectPage = graphql`
  query PagesProjectQuery($owner: String!, $name: String!) {
    project(owner: $owner, name: $name) {
      id
      fullName
      viewerCan {
        createRun
        promote
        transitionStage
      }
      ...ProjectRuns_project
      ...ModelVersions_project
    }
  }
`;

export const HubPage = graphql`
  query PagesHubQuery($filter: ComponentVersionFilter) {
    ...HubSearch_query @arguments(filter: $filter)
  }
`;

export const Transition = graphql`
  mutation PagesTransitionMutation($input: TransitionModelVersionStageInput!) {
    transitionModelVersionStage(input: $input) {
      modelVersion {
        id
        stage
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`;
