/** The peer's schema: the `Job` fields the bench asks for, provider and state as jobgraph's enums. */
import { JOB_PROVIDERS, JOB_STATES, type JobProvider, type JobState } from '../../src/model/job.ts';

export type { JobProvider, JobState };

export const typeDefs = /* GraphQL */ `
  enum JobProvider { ${JOB_PROVIDERS.join(' ')} }

  enum JobState { ${JOB_STATES.join(' ')} }
  type Job {
    id: ID!
    provider: JobProvider!
    nativeId: String!
    region: String
    state: JobState!
    providerStatus: String
    statusMessage: String
    terminal: Boolean!
    createdAt: String
    updatedAt: String
    completedAt: String
  }
  type Query {
    jobs(ids: [ID!]!): [Job]!
  }
`;

/** What a `Job` resolves from: every field the schema has, already in its answer form. */
export interface Job {
  id: string;
  provider: JobProvider;
  nativeId: string;
  region: string | null;
  state: JobState;
  providerStatus: string | null;
  statusMessage: string | null;
  terminal: boolean;
  createdAt: string | null;
  updatedAt: string | null;
  completedAt: string | null;
}
