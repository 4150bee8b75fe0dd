import { describe, expect, it } from 'vitest';
import { failureReasons, isoOfEpochSeconds } from '../../console/src/format.ts';

describe("The console's failure reasons", () => {
  it('put the status message first, then each reason the provider lists besides, each once', () => {
    expect(
      failureReasons({
        statusMessage: 'ManifestReadFailure: the manifest object could not be read.',
        failureReasons: [
          {
            failureCode: 'ManifestReadFailure',
            failureReason: 'the manifest object could not be read.',
          },
          { failureCode: 'TaskFailure', failureReason: 'More than 50% of the tasks failed.' },
        ],
      }),
    ).toEqual([
      'ManifestReadFailure: the manifest object could not be read.',
      'TaskFailure: More than 50% of the tasks failed.',
    ]);
    expect(
      failureReasons({
        statusMessage: 'All sources failed to import.',
        sources: [
          { status: 'FAILED', statusMessage: 'Not a FASTA file.', sourceFile: 's3://b/a.fa' },
          { status: 'FINISHED', statusMessage: null, sourceFile: 's3://b/b.fa' },
          { status: 'FAILED', statusMessage: 'Not a FASTA file.', sourceFile: 's3://b/c.fa' },
        ],
      }),
    ).toEqual([
      'All sources failed to import.',
      's3://b/a.fa: Not a FASTA file.',
      's3://b/c.fa: Not a FASTA file.',
    ]);
    expect(failureReasons({ statusMessage: null, failureReasons: [] })).toEqual([]);
  });

  it('read a Unix time in seconds as the ISO time a DateTime carries', () => {
    expect(isoOfEpochSeconds(1767225600)).toBe('2026-01-01T00:00:00.000Z');
    expect(isoOfEpochSeconds(Number.MAX_VALUE)).toBeNull();
  });
});
