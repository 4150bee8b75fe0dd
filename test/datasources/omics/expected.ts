import { keyValues } from '../../support/keyValues.ts';

/** What the example job's record has the same in the golden full response and in the emulator. */
export const EXAMPLE_JOB = {
  /** Its times. */
  times: {
    createdAt: '2024-07-01T09:26:43.456Z',
    creationTime: '2024-07-01T09:26:43.456Z',
    completedAt: '2024-07-01T09:41:12.003Z',
    completionTime: '2024-07-01T09:41:12.003Z',
  },
  /** Its GRCh38 source. */
  grch38: {
    sourceFile: 's3://genomics-reference-demo/GRCh38/GRCh38_full_analysis_set.fa',
    status: 'FINISHED',
    statusMessage: null,
    name: 'GRCh38',
    description: 'Human reference genome GRCh38 (full analysis set)',
    tags: keyValues({ project: 'population-study', assembly: 'GRCh38', reviewed: '' }),
    referenceId: '3417622790',
  },
  /** Its GRCh37 source's file, name and reference (its status, message and tags differ). */
  hs37d5: {
    sourceFile: 's3://genomics-reference-demo/GRCh37/hs37d5.fa.gz',
    name: 'hs37d5',
    description: 'Human reference genome GRCh37 with decoys',
    referenceId: '3417622791',
  },
};

/** A source of an import job as a record lists it: nothing known (nulls, no tags) but `fields`. */
export const omicsSource = (fields: Record<string, unknown> = {}) => ({
  sourceFile: null,
  status: null,
  statusMessage: null,
  name: null,
  description: null,
  tags: [],
  referenceId: null,
  ...fields,
});

/**
 * The fields a record of import job `id` in reference store `store` (us-east-1) has from its key:
 * its global ID and its store; HealthOmics says nothing of when a job was last updated.
 */
export const omicsJobFields = (id: string, store: string) => ({
  id: `omics:us-east-1:${store}:${id}`,
  provider: 'AWS_OMICS',
  nativeId: id,
  region: 'us-east-1',
  updatedAt: null,
  referenceStoreId: store,
});

/**
 * A record's fields with those the header derives: its name, the reference its first source
 * makes; its last change, a finished job's completion (HealthOmics says no other).
 */
export const omicsRecord = <
  R extends {
    terminal: boolean;
    completedAt: string | null;
    sources: readonly { name: string | null }[];
  },
>(
  r: R,
) => ({
  ...r,
  name: r.sources[0]?.name ?? null,
  updatedAt: r.terminal ? r.completedAt : null,
});
