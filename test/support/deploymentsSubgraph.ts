import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/**
 * Another team's subgraphs, written as that team would and sharing no code with jobgraph.
 * Composition forbids one subgraph from both declaring `Job` an `@interfaceObject` and
 * defining an implementation such as `CodePipelineJob`, so the team's graph is two
 * subgraphs: `deployments` knows only CodePipeline's native job ID and region and references
 * `CodePipelineJob` by that key; `watchers` adds a field to every `Job` through `@interfaceObject`.
 */
/**
 * A jobgraph job type as a subgraph references it by its native key with the account
 * (`account region nativeId`), resolving none of its fields itself.
 */
export const accountKeyReference = (typeName: string): string => /* GraphQL */ `
  type ${typeName} @key(fields: "account region nativeId", resolvable: false) {
    account: String
    region: String
    nativeId: String!
  }
`;

export const DEPLOYMENTS_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  "A CodePipeline job as this team knows it: its account's ID (null: jobgraph's default account), region and native ID."
  ${accountKeyReference('CodePipelineJob')}

  type Deployment @key(fields: "name") {
    name: String!
    environment: String!
    pipelineJob: CodePipelineJob
    relatedJobIds: [ID!]!
  }

  type Query {
    deployments: [Deployment!]!
  }
`;

export const WATCHERS_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@interfaceObject"])

  "Adds watchers to every job of every provider."
  type Job @key(fields: "id") @interfaceObject {
    id: ID!
    "Who is watching this job."
    watchers: [String!]!
  }

  type Query {
    "Jobs someone watches, by global ID."
    watchedJobs(user: String!): [Job!]!
  }
`;

export interface DeploymentSeed {
  name: string;
  environment: string;
  /** `account`: the AWS account ID; absent or null: jobgraph's default account. */
  pipelineJob: { account?: string | null; region: string; nativeId: string } | null;
  relatedJobIds: string[];
}

/**
 * A subgraph of `typeDefs` and `resolvers` (@apollo/subgraph) on 127.0.0.1, a port of its own;
 * `authorizations`, each request's Authorization header (null when absent).
 */
export async function serveSubgraph(typeDefs: string, resolvers: Record<string, unknown>) {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never }),
  });
  // So a test can see a gateway kept the caller's token from it.
  const authorizations: (string | null)[] = [];
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => {
      authorizations.push(req.headers.authorization ?? null);
      return {};
    },
  });
  return { url, authorizations, stop: () => server.stop() };
}

export async function startOtherTeamSubgraphs(
  seed: DeploymentSeed[],
  watchers: Record<string, string[]>,
) {
  const deployments = await serveSubgraph(DEPLOYMENTS_SDL, {
    Query: { deployments: () => seed },
    Deployment: {
      pipelineJob: (d: DeploymentSeed) =>
        d.pipelineJob ? { __typename: 'CodePipelineJob', account: null, ...d.pipelineJob } : null,
    },
  });
  const watching = await serveSubgraph(WATCHERS_SDL, {
    Query: {
      watchedJobs: (_: unknown, { user }: { user: string }) =>
        Object.entries(watchers)
          .filter(([, users]) => users.includes(user))
          .map(([id]) => ({ __typename: 'Job', id })),
    },
    Job: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      watchers: (job: { id: string }) => watchers[job.id] ?? [],
    },
  });
  return {
    deployments,
    watching,
    stop: async () => {
      await deployments.stop();
      await watching.stop();
    },
  };
}
