// Real job records for benches of the history writer alone (bench/historyWriter.ts, the writer
// mode of bench/historyKill.ts): a gateway over the emulators answers fresh finished jobs, its
// history store (a temporary SQLite file) keeps their records without secrets, and they are read
// back. A change of one of them under a new ID is what the job-state store hands the writer.
import { join } from 'node:path';
import { openHistoryDatabase } from '../../src/history/database.ts';
import type { HistoryChange } from '../../src/history/writer.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { scratchDir } from '../rig/proc.ts';
import type { Stack } from '../rig/stack.ts';
import { UnknownIdGenerator } from './ids.ts';
import { jobsBody, post } from './queries.ts';
import { readSettings } from './settings.ts';

/**
 * `n` fresh finished jobs of BENCH_PROVIDERS, as a gateway over `stack`'s emulators stores them;
 * `stack`'s fixtures already probed (`probeFixtures`, which the caller's other phases need too).
 */
export async function realRecords(stack: Stack, n: number): Promise<JobRecord[]> {
  const dir = scratchDir('jobgraph-bench-writer-records-');
  const path = join(dir, 'history.sqlite');
  const gateway = await stack.gateway({
    label: 'records',
    extraEnv: { JOBGRAPH_CACHE_MAX_ENTRIES: '0', JOBGRAPH_HISTORY_URL: `sqlite:${path}` },
  });
  const ids = new UnknownIdGenerator();
  const providers = readSettings().providers;
  for (let asked = 0; asked < n; asked += 100)
    await post(gateway.url, jobsBody(ids.take(100, 'finished', providers)), stack.headers);
  await gateway.stop(); // SIGTERM: the writer's queue is written before it exits
  const db = (await openHistoryDatabase({ kind: 'sqlite', path, dataDir: dir, implicit: false }))!;
  try {
    const rows = await db.db.selectFrom('jobs').select('record').execute();
    const records = rows.map((r) => JSON.parse(r.record) as JobRecord);
    if (records.length === 0) throw new Error('the gateway stored no records');
    return records;
  } finally {
    await db.close();
  }
}

/** A first sight of `base` under `id`, as a provider read of a fresh job makes it. */
export function freshChange(base: JobRecord, id: string): HistoryChange {
  const record: JobRecord = { ...base, id };
  return {
    record,
    from: null,
    to: record.state,
    providerStatus: record.providerStatus ?? null,
    at: new Date().toISOString(),
    source: 'READ',
    account: 'default',
  };
}

/** The job ID of change `k` of bench/lib/writerHost.ts's run `run`, a copy of `base`. */
export const killId = (base: JobRecord, run: string, k: number): string => `${base.id}~${run}~${k}`;
