// bench:history-writer's floor (bench/lib/writerFloor.ts) is a floor of the same work: the bare
// write of a set of fresh changes leaves the file holding exactly what the history writer leaves for
// the same changes, so the writer ÷ floor ratio compares like with like.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bareWrite } from '../../bench/lib/writerFloor.ts';
import { openHistoryDatabase, type HistoryDatabase } from '../../src/history/database.ts';
import { HistoryWriter, type HistoryChange } from '../../src/history/writer.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { factsOf } from '../../src/datasources/registry.ts';

const change = (k: number): HistoryChange => {
  const id = `batch:us-east-1:job-${k}`;
  const record = {
    id,
    provider: 'AWS_BATCH',
    nativeId: `job-${k}`,
    region: 'us-east-1',
    state: k % 2 ? 'SUCCEEDED' : 'FAILED',
    providerStatus: k % 2 ? 'SUCCEEDED' : 'FAILED',
    terminal: true,
    jobName: `align-${k}`,
    jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/q',
    createdAt: '2026-11-01T00:00:00.000Z',
    stoppedAt: `2026-11-01T01:${String(k % 60).padStart(2, '0')}:00.000Z`,
    container: { command: ['run', String(k)], environment: [{ name: 'A', value: 'b' }] },
  } as unknown as JobRecord;
  return {
    record,
    from: null,
    to: record.state,
    providerStatus: record.providerStatus ?? null,
    at: '2026-11-01T02:00:00.000Z',
    source: 'READ',
    account: 'default',
  };
};

/**
 * Every stored row of `db`'s jobs and transitions, by job ID, without their keys: a batch is
 * upserted in ID order, and the floor's transactions are not the writer's batches.
 */
async function storedRows(db: HistoryDatabase) {
  const jobs = await db.db.selectFrom('jobs').selectAll().orderBy('id').execute();
  const transitions = await db.db
    .selectFrom('transitions')
    .innerJoin('jobs', 'jobs.seq', 'transitions.job_seq')
    .select([
      'transitions.job_id',
      'transitions.at',
      'transitions.from_state',
      'transitions.to_state',
      'transitions.provider_status',
      'transitions.source',
      'transitions.event_id',
      'jobs.id',
    ])
    .orderBy('jobs.id')
    .execute();
  return { jobs: jobs.map(({ seq: _, ...row }) => row), transitions };
}

const opened: HistoryDatabase[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});

describe("bench:history-writer's bare write", () => {
  it('stores the same rows as the history writer for the same fresh changes, a transition each keyed by its job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-writer-floor-'));
    const store = (name: string) =>
      ({ kind: 'sqlite', path: join(dir, name), dataDir: dir, implicit: false }) as const;
    const prefill = 30;
    const changes = 2_050; // more than one of the floor's transactions

    const timing = await bareWrite(store('bare.sqlite'), change, prefill, changes);
    expect(timing.rowMicrosPerChange).toBeGreaterThan(0);
    expect(timing.sqliteMicrosPerChange).toBeGreaterThan(0);

    const written = (await openHistoryDatabase(store('writer.sqlite')))!;
    const writer = new HistoryWriter(written, { factsOf, withoutSecrets: (r) => r });
    for (let k = 0; k < prefill + changes; k++) writer.record(change(k));
    await writer.close();
    opened.push(written);
    const bare = (await openHistoryDatabase(store('bare.sqlite')))!;
    opened.push(bare);

    const fromBare = await storedRows(bare);
    const fromWriter = await storedRows(written);
    expect(fromBare.jobs).toHaveLength(prefill + changes);
    expect(fromBare.transitions).toHaveLength(prefill + changes);
    // Each transition is keyed (job_seq) by its own job's row.
    for (const t of fromBare.transitions) expect(t.id).toBe(t.job_id);
    expect(fromBare).toEqual(fromWriter);
  });
});
