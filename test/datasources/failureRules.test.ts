import { describe, expect, it } from 'vitest';
import { codePipelineFailure } from '../../src/datasources/codepipeline/failureRules.ts';
import {
  COSBATCH_FAILURE_RULES,
  cosBatchFailure,
} from '../../src/datasources/cosbatch/failureRules.ts';
import {
  IMPORTEXPORT_FAILURE_RULES,
  importExportFailure,
} from '../../src/datasources/importexport/failureRules.ts';
import { OMICS_FAILURE_RULES, omicsFailure } from '../../src/datasources/omics/failureRules.ts';
import { panoramaFailure } from '../../src/datasources/panorama/failureRules.ts';
import { PROVIDERS, failureOf } from '../../src/datasources/registry.ts';
import type { CodePipelineJobRecord } from '../../src/datasources/codepipeline/record.ts';
import type { CosBatchJobRecord } from '../../src/datasources/cosbatch/record.ts';
import type { ImportExportJobRecord } from '../../src/datasources/importexport/record.ts';
import type { OmicsReferenceImportJobRecord } from '../../src/datasources/omics/record.ts';
import type { PanoramaPackageImportJobRecord } from '../../src/datasources/panorama/record.ts';
import { evaluateFailure, failureRules } from '../../src/model/failure.ts';
import type { JobState } from '../../src/model/job.ts';

// The fields each table reads, on a record of the provider's shape; the rest of a record is
// irrelevant to its failure.
const omics = (state: JobState, statusMessage: string | null, sources: (string | null)[] = []) =>
  ({
    provider: 'AWS_OMICS',
    state,
    statusMessage,
    sources: sources.map((m) => ({ statusMessage: m })),
  }) as unknown as OmicsReferenceImportJobRecord;
const cos = (state: JobState, failures: [string, string][]) =>
  ({
    provider: 'TENCENT_COS_BATCH',
    state,
    failureReasons: failures.map(([failureCode, failureReason]) => ({
      failureCode,
      failureReason,
    })),
  }) as unknown as CosBatchJobRecord;
const importExport = (state: JobState, progressCode: string, progressMessage: string) =>
  ({
    provider: 'AWS_IMPORT_EXPORT',
    state,
    progressCode,
    progressMessage,
  }) as unknown as ImportExportJobRecord;

describe('the failure engine', () => {
  const table = failureRules('t-1', [
    {
      field: 'a[].reason',
      pattern: /^Boom/,
      category: 'PROVIDER_ERROR',
      retryable: true,
      summary: 'b: {value}',
      source: 'test',
    },
    {
      field: 'code',
      exitCode: 'nonzero',
      category: 'USER_CODE',
      retryable: false,
      summary: 'c',
      source: 'test',
    },
  ]);

  it('lets the first rule in the table’s order decide, whatever the evidence’s order', () => {
    const failure = evaluateFailure(table, 'FAILED', [
      { field: 'code', value: 2 },
      { field: 'a[3].reason', value: 'Boom here' },
    ]);
    expect(failure).toEqual({
      category: 'PROVIDER_ERROR',
      retryable: true,
      summary: 'b: Boom here',
      evidence: ['code: 2', 'a[3].reason: Boom here'],
      rulesVersion: 't-1',
    });
  });

  it('is UNKNOWN for a failed job and CANCELLED for a cancelled one when no rule matches', () => {
    const evidence = [{ field: 'code', value: 0 }];
    expect(evaluateFailure(table, 'FAILED', evidence)).toMatchObject({
      category: 'UNKNOWN',
      evidence: ['code: 0'],
    });
    expect(evaluateFailure(table, 'CANCELLED', evidence)).toMatchObject({ category: 'CANCELLED' });
    expect(evaluateFailure(table, 'SUCCEEDED_WITH_ERRORS', evidence)).toBeNull();
  });

  it('refuses a rule without exactly one condition', () => {
    expect(() =>
      failureRules('bad', [
        { field: 'x', category: 'UNKNOWN', retryable: false, summary: '', source: '' },
      ]),
    ).toThrow(TypeError);
  });

  it('is a member of every provider of the registry', () => {
    for (const provider of PROVIDERS) expect(typeof provider.failure).toBe('function');
    expect(failureOf(omics('FAILED', 'Access Denied'))).toMatchObject({ category: 'PERMISSION' });
  });
});

describe('HealthOmics failure rules (omics-2026.11.2)', () => {
  it.each([
    ['ASSUME_ROLE_FAILED: could not assume the service role', 'PERMISSION'],
    ['ECR_PERMISSION_ERROR', 'PERMISSION'],
    ['Access Denied', 'PERMISSION'],
    ['CANNOT_START_CONTAINER_ERROR', 'PROVIDER_ERROR'],
  ] as const)('reads the job’s message %s', (message, category) => {
    expect(omicsFailure(omics('FAILED', message))).toMatchObject({
      category,
      rulesVersion: OMICS_FAILURE_RULES.version,
    });
  });

  it('reads a source’s message, and shows every message as evidence', () => {
    const failure = omicsFailure(
      omics('FAILED', 'All sources failed to import.', [null, 'ECR_PERMISSION_ERROR']),
    );
    expect(failure).toEqual(
      expect.objectContaining({
        category: 'PERMISSION',
        evidence: [
          'statusMessage: All sources failed to import.',
          'sources[1].statusMessage: ECR_PERMISSION_ERROR',
        ],
      }),
    );
  });

  it('is UNKNOWN for an unknown message, CANCELLED when cancelled, null otherwise', () => {
    expect(
      omicsFailure(omics('FAILED', 'The source file is not a valid FASTA file.')),
    ).toMatchObject({ category: 'UNKNOWN' });
    expect(omicsFailure(omics('CANCELLED', 'Cancelled by user.'))).toMatchObject({
      category: 'CANCELLED',
    });
    expect(omicsFailure(omics('SUCCEEDED', 'The job completed successfully.'))).toBeNull();
  });

  // A workflow run (GetRun) gives a code of the table in `failureReason`, its text in
  // `statusMessage`: the code decides, compared exactly, before any message rule.
  it.each([
    ['ASSUME_ROLE_FAILED', 'PERMISSION', false],
    ['ECR_PERMISSION_ERROR', 'PERMISSION', false],
    ['CANNOT_START_CONTAINER_ERROR', 'PROVIDER_ERROR', true],
    ['FILE_SYSTEM_OUT_OF_SPACE', 'CAPACITY', false],
  ] as const)('reads a run’s failureReason %s', (code, category, retryable) => {
    const failure = evaluateFailure(OMICS_FAILURE_RULES, 'FAILED', [
      { field: 'failureReason', value: code },
      { field: 'statusMessage', value: 'CANNOT_START_CONTAINER_ERROR while retrying' },
    ]);
    expect(failure).toMatchObject({ category, retryable, rulesVersion: 'omics-2026.11.2' });
    expect(failure?.evidence).toContain(`failureReason: ${code}`);
  });

  it('does not take a failureReason no code equals, nor a code inside other text', () => {
    for (const value of ['WORKFLOW_RUN_FAILED', 'not FILE_SYSTEM_OUT_OF_SPACE']) {
      expect(
        evaluateFailure(OMICS_FAILURE_RULES, 'FAILED', [{ field: 'failureReason', value }]),
      ).toMatchObject({ category: 'UNKNOWN' });
    }
  });
});

describe('COS Batch failure rules (cosbatch-2026.11.1)', () => {
  it.each([
    ['AccessDenied', 'PERMISSION', false],
    ['InternalError', 'PROVIDER_ERROR', true],
    ['ServiceUnavailable', 'PROVIDER_ERROR', true],
    ['SlowDown', 'PROVIDER_ERROR', true],
  ] as const)('reads the failure code %s', (code, category, retryable) => {
    expect(cosBatchFailure(cos('FAILED', [[code, 'the reason']]))).toMatchObject({
      category,
      retryable,
      rulesVersion: COSBATCH_FAILURE_RULES.version,
    });
  });

  it('is UNKNOWN with every code and reason for a code no rule knows; an empty entry is no evidence', () => {
    expect(
      cosBatchFailure(
        cos('FAILED', [
          ['', ''],
          ['ManifestNotFound', 'The manifest object does not exist.'],
        ]),
      ),
    ).toMatchObject({
      category: 'UNKNOWN',
      evidence: [
        'failureReasons[1].failureCode: ManifestNotFound',
        'failureReasons[1].failureReason: The manifest object does not exist.',
      ],
    });
  });
});

describe('Import/Export failure rules (importexport-2026.11.1)', () => {
  it.each([
    ['InvalidSignature', 'FAILED', 'PERMISSION'],
    ['MissingSignature', 'FAILED', 'PERMISSION'],
    ['Expired', 'FAILED', 'TIMEOUT'],
    ['Canceled', 'CANCELLED', 'CANCELLED'],
    ['DeviceError', 'FAILED', 'UNKNOWN'],
  ] as const)('reads the progress code %s', (code, state, category) => {
    expect(importExportFailure(importExport(state, code, 'the message'))).toMatchObject({
      category,
      evidence: [`progressCode: ${code}`, 'progressMessage: the message'],
      rulesVersion: IMPORTEXPORT_FAILURE_RULES.version,
    });
  });
});

describe('Panorama and CodePipeline', () => {
  it('reads a failed Panorama import as UNKNOWN with its message: Panorama documents no reasons', () => {
    const record = {
      provider: 'AWS_PANORAMA',
      state: 'FAILED',
      statusMessage: 'Manifest invalid',
    } as unknown as PanoramaPackageImportJobRecord;
    expect(panoramaFailure(record)).toMatchObject({
      category: 'UNKNOWN',
      evidence: ['statusMessage: Manifest invalid'],
    });
  });

  it('has no failure for a CodePipeline job, whose details carry no status', () => {
    const record = {
      provider: 'AWS_CODEPIPELINE',
      state: 'UNKNOWN',
    } as unknown as CodePipelineJobRecord;
    expect(codePipelineFailure(record)).toBeNull();
  });
});
