/**
 * The peer's schema: the `Job` fields the bench asks for, typed as jobgraph types them (enums for
 * provider and state), so both servers serialise the same kinds of values.
 */
export const typeDefs = /* GraphQL */ `
  enum JobProvider {
    AWS_PANORAMA
    AWS_OMICS
    TENCENT_COS_BATCH
    AWS_IMPORT_EXPORT
    AWS_CODEPIPELINE
    AWS_BATCH
  }

  enum JobState {
    QUEUED
    IN_PROGRESS
    PAUSED
    CANCELLING
    CANCELLED
    SUCCEEDED
    SUCCEEDED_WITH_ERRORS
    FAILED
    UNKNOWN
  }

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

export type JobProvider =
  | 'AWS_PANORAMA'
  | 'AWS_OMICS'
  | 'TENCENT_COS_BATCH'
  | 'AWS_IMPORT_EXPORT'
  | 'AWS_CODEPIPELINE'
  | 'AWS_BATCH';

export type JobState =
  | 'QUEUED'
  | 'IN_PROGRESS'
  | 'PAUSED'
  | 'CANCELLING'
  | 'CANCELLED'
  | 'SUCCEEDED'
  | 'SUCCEEDED_WITH_ERRORS'
  | 'FAILED'
  | 'UNKNOWN';

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
