import { buildSchema, type GraphQLSchema } from 'graphql';
import { jobType } from '../peer/schema.ts';

/**
 * The smallest schema that answers the bench's `job` and `jobs` queries with the same JSON
 * jobgraph returns: the `Job` interface fields as plain scalars, resolved from memory.
 */
const SDL = /* GraphQL */ `
  ${jobType('String', 'String')}
  type Query {
    job(id: ID!): Job
    jobs(ids: [ID!]!): [Job]!
  }
`;

export type StoredJob = Record<string, unknown> & { id: string };

export function baselineSchema(): GraphQLSchema {
  return buildSchema(SDL);
}

/** Root value: `job` and `jobs` read the stored records; fields resolve by default. */
export function baselineRoot(jobs: ReadonlyMap<string, StoredJob>) {
  return {
    job: ({ id }: { id: string }) => jobs.get(id) ?? null,
    jobs: ({ ids }: { ids: string[] }) => ids.map((id) => jobs.get(id) ?? null),
  };
}
