import { describe, expect, it } from 'vitest';
import { createImportExportEmulator } from '@jobgraph/emulators/importexport/emulator';
import { importExportListedJobs } from '@jobgraph/emulators/importexport/listData';
import { realPart } from '../../support/realParts.ts';
import { useEmulator } from '../../support/useEmulator.ts';
import { runAwsCli } from '../awsCli.ts';

/**
 * Import/Export's CancelJob through the AWS CLI v1 (`aws importexport cancel-job`, botocore's
 * model, SigV4 `IngestionService`), the oracle: a pending job is cancelled (Success true, then
 * GetStatus `Canceled` and ListJobs `IsCanceled`), a second cancel is CanceledJobIdException, a
 * started job UnableToCancelJobIdException, an unknown one InvalidJobIdException. The CLI signs
 * from the environment: no profile, no instance metadata, loopback only.
 */
const cli = realPart('aws-cli');
// The emulator's clock stands still (the CLI's signatures stay well within the allowed skew), so
// the listed jobs are those made at START: one of them pending.
const START = Date.now();
const emu = useEmulator(() => createImportExportEmulator({ now: () => START }));
const LISTED_PENDING = importExportListedJobs(START).find(
  (j) => j.ProgressCode === 'Pending',
)!.JobId;

/** `aws importexport <args>` against the emulator: its exit code, parsed stdout, stderr. */
async function aws(
  ...args: string[]
): Promise<{ code: number; out: Record<string, unknown> | null; err: string }> {
  const { code, stdout, stderr } = await runAwsCli([
    'importexport',
    ...args,
    '--endpoint-url',
    emu.url,
    '--output',
    'json',
  ]);
  return {
    code,
    out: code === 0 ? (JSON.parse(stdout) as Record<string, unknown>) : null,
    err: stderr,
  };
}

describe.skipIf(cli.skip)('aws importexport cancel-job (AWS CLI) against the emulator', () => {
  it('cancels a pending job once; the second cancel is CanceledJobIdException', async () => {
    const first = await aws('cancel-job', '--job-id', 'PNDG1');
    expect(first).toMatchObject({ code: 0, out: { Success: true } });
    const status = await aws('get-status', '--job-id', 'PNDG1');
    expect(status.out).toMatchObject({ JobId: 'PNDG1', ProgressCode: 'Canceled' });
    // A listed job cancelled shows so in ListJobs.
    expect((await aws('cancel-job', '--job-id', LISTED_PENDING)).out).toEqual({ Success: true });
    const listed = await aws('list-jobs');
    const jobs = (listed.out?.Jobs ?? []) as { JobId: string; IsCanceled: boolean }[];
    expect(jobs.find((j) => j.JobId === LISTED_PENDING)?.IsCanceled).toBe(true);

    const second = await aws('cancel-job', '--job-id', 'PNDG1');
    expect(second.code).not.toBe(0);
    expect(second.err).toContain('(CanceledJobIdException)');
    expect(emu.calls.filter((c) => c.operation === 'CancelJob PNDG1').map((c) => c.status)).toEqual(
      [200, 400],
    );
  });

  it('refuses a started job, a finished one and an unknown one with the documented errors', async () => {
    const started = await aws('cancel-job', '--job-id', 'INPG1');
    expect(started.err).toContain('(UnableToCancelJobIdException)');
    const complete = await aws('cancel-job', '--job-id', 'CMPL1');
    expect(complete.err).toContain('(UnableToCancelJobIdException)');
    const canceled = await aws('cancel-job', '--job-id', 'CNCL1');
    expect(canceled.err).toContain('(CanceledJobIdException)');
    const unknown = await aws('cancel-job', '--job-id', 'NOJOB');
    expect(unknown.err).toContain('(InvalidJobIdException)');
    // Nothing changed: the started job still shows its progress.
    expect((await aws('get-status', '--job-id', 'INPG1')).out?.ProgressCode).toBe('InProgress');
  });
});
