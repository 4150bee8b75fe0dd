import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importExport } from '../../../src/datasources/importexport/index.ts';
import type { ImportExportJobRecord } from '../../../src/datasources/importexport/record.ts';
import type { AwsSourceOptions } from '../../../src/datasources/shared/options.ts';
import type { SourceSeams } from '../../../src/datasources/shared/seams.ts';
import {
  DEMO_AWS_CREDENTIALS,
  startEmulator,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import {
  DEMO_IMPORTEXPORT_SESSION_TOKEN,
  demoJobsAt,
  EXAMPLE_GLOBAL_ID,
  GONE_CASE_GLOBAL_IDS,
  type WireGetStatusResult,
} from '@jobgraph/emulators/importexport/data';
import { createImportExportEmulator } from '@jobgraph/emulators/importexport/emulator';
import { parseGlobalId, type ImportExportKey } from '../../../src/model/globalId.ts';
import { upstreamFailure } from '../../support/fixtures.ts';
import { expectCleanMessage } from './helpers.ts';
import { IMPORT_EXPORT_STATES } from '../../support/providerStatuses.ts';
import { createSource, type ProviderSource } from '../../../src/datasources/shared/source.ts';

const DEMO = { ...DEMO_AWS_CREDENTIALS };
const key = (jobId: string): ImportExportKey => ({ provider: 'AWS_IMPORT_EXPORT', jobId });
/** When the emulator starts: its fixed demo jobs are dated before it (demoJobsAt). */
const STARTED_MS = Date.now();
const jobIdOf = (globalId: string) => (parseGlobalId(globalId) as ImportExportKey).jobId;

/** The GetStatus elements a record carries as they are (null when absent), at their camelCase names. */
const AS_THEY_ARE = (
  'JobType LocationCode LocationMessage ProgressCode ProgressMessage Carrier TrackingNumber ' +
  'LogBucket LogKey ErrorCount Signature SignatureFileContents CurrentManifest AwsShippingAddress ' +
  'WarningMessage'
).split(' ') as (keyof WireGetStatusResult)[];

/** The test's own expectation of a record, from the emulator's wire data (independent of parse.ts). */
function expectedRecord(w: WireGetStatusResult): ImportExportJobRecord {
  const state = (w.ProgressCode && IMPORT_EXPORT_STATES[w.ProgressCode]) || 'UNKNOWN';
  const created = w.CreationDate ? new Date(w.CreationDate).toISOString() : null;
  return {
    id: `importexport:${w.JobId}`,
    provider: 'AWS_IMPORT_EXPORT',
    nativeId: w.JobId,
    name: null,
    region: null,
    state,
    providerStatus: w.ProgressCode ?? null,
    statusMessage: w.ProgressMessage ?? null,
    terminal: ['CANCELLED', 'SUCCEEDED', 'SUCCEEDED_WITH_ERRORS', 'FAILED'].includes(state),
    createdAt: created,
    updatedAt: null,
    completedAt: null,
    jobId: w.JobId,
    ...Object.fromEntries(
      AS_THEY_ARE.map((name) => [name[0]!.toLowerCase() + name.slice(1), w[name] ?? null]),
    ),
    creationDate: created,
    artifactList: (w.ArtifactList ?? []).map((a) => ({
      description: a.Description ?? null,
      url: a.URL ?? null,
    })),
  } as ImportExportJobRecord;
}

describe('ImportExport emulator', () => {
  let emu: RunningEmulator;
  let source: ProviderSource<'AWS_IMPORT_EXPORT', ImportExportJobRecord>;

  const sourceWith = (over: Partial<AwsSourceOptions> = {}, seams: SourceSeams = {}) =>
    createSource(
      importExport,
      {
        endpoint: emu.url,
        credentials: DEMO,
        timeoutMs: 2000,
        maxAttempts: 1,
        maxSockets: 4,
        ...over,
      },
      { sleep: async () => {}, ...seams },
    );

  beforeAll(async () => {
    emu = await startEmulator(createImportExportEmulator({ startedMs: STARTED_MS }));
    source = sourceWith();
  });
  afterAll(async () => {
    source.close?.();
    await emu.close();
  });
  beforeEach(() => {
    emu.resetFaults();
    emu.calls.length = 0;
  });

  describe("with jobgraph's own source (SigV4 IngestionService)", () => {
    it.each(demoJobsAt(STARTED_MS).map((j) => [j.JobId, j] as const))(
      'reads demo job %s field for field',
      async (jobId, wire) => {
        expect(await source.fetchJob(key(jobId))).toEqual(expectedRecord(wire));
        expect(emu.calls).toEqual([
          { method: 'POST', path: '/', operation: `GetStatus ${jobId}`, job: jobId, status: 200 },
        ]);
      },
    );

    it('reads the example job as a returned, complete import', async () => {
      const r = await source.fetchJob(parseGlobalId(EXAMPLE_GLOBAL_ID) as ImportExportKey);
      expect([r.state, r.terminal, r.carrier, r.errorCount, r.artifactList.length]).toEqual([
        'SUCCEEDED',
        true,
        'UPS',
        0,
        3,
      ]);
    });

    it('keeps multi-line secrets exactly through the wire', async () => {
      const r = await source.fetchJob(key('PNDG1'));
      expect(r.currentManifest).toContain('company:Example Data & Archive <Demo>\n');
      expect(r.signatureFileContents).toBe(
        'version:2.0\nsigningMethod:HmacSHA1\njobId:PNDG1\nsignature:DEMO-SIGNATURE-PNDG1-bm90LWEtcmVhbC1zaWduYXR1cmU=\n',
      );
      expect(r.artifactList[0]!.url).toContain('&X-Amz-Signature=DEMOSIGPNDG101');
    });

    // Its error cases, fault knobs and credentials: the contract suite (shared/emulatorContract.test.ts).
    it('answers NOT_FOUND for any unknown job', async () => {
      const err = await upstreamFailure(source.fetchJob(key('ZZZZZ')));
      expect([err.code, err.upstreamCode, err.httpStatus]).toEqual([
        'NOT_FOUND',
        'InvalidJobIdException',
        400,
      ]);
      expectCleanMessage(err);
    });

    it('answers NOT_FOUND with distinct messages for expired and cancelled job IDs', async () => {
      const expired = await upstreamFailure(
        source.fetchJob(key(jobIdOf(GONE_CASE_GLOBAL_IDS.expired))),
      );
      expect([expired.code, expired.upstreamCode]).toEqual(['NOT_FOUND', 'ExpiredJobIdException']);
      expect(expired.message).toContain('has expired');
      const canceled = await upstreamFailure(
        source.fetchJob(key(jobIdOf(GONE_CASE_GLOBAL_IDS.canceled))),
      );
      expect([canceled.code, canceled.upstreamCode]).toEqual([
        'NOT_FOUND',
        'CanceledJobIdException',
      ]);
      expect(canceled.message).toContain('was cancelled');
    });

    it('accepts the demo session token and refuses any other', async () => {
      const withToken = sourceWith({
        credentials: { ...DEMO, sessionToken: DEMO_IMPORTEXPORT_SESSION_TOKEN },
      });
      expect((await withToken.fetchJob(key('CMPL1'))).state).toBe('SUCCEEDED');
      withToken.close?.();
      const badToken = sourceWith({
        credentials: { ...DEMO, sessionToken: 'DEMO-SESSION-TOKEN-unknown' },
      });
      const err = await upstreamFailure(badToken.fetchJob(key('CMPL1')));
      badToken.close?.();
      expect([err.code, err.upstreamCode]).toEqual([
        'UPSTREAM_ACCESS_DENIED',
        'InvalidClientTokenIdException',
      ]);
    });

    it('answers UPSTREAM_ACCESS_DENIED when the clock is skewed past 15 minutes', async () => {
      const skewed = sourceWith({}, { now: () => Date.now() - 20 * 60 * 1000 });
      const err = await upstreamFailure(skewed.fetchJob(key('CMPL1')));
      skewed.close?.();
      expect([err.code, err.upstreamCode]).toEqual([
        'UPSTREAM_ACCESS_DENIED',
        'SignatureDoesNotMatch',
      ]);
    });
  });
});
