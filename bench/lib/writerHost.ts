// A process that only writes history, for the writer mode of bench/historyKill.ts: the real
// HistoryWriter over the store BENCH_WRITER_HOST_STORE names (a HistoryStoreConfig as JSON), fed
// fresh changes of the records in BENCH_WRITER_HOST_RECORDS (a JSON file) at
// BENCH_WRITER_HOST_RATE a second, as a gateway's job-state store feeds it. Every 10 ms it prints
// `ack <changes recorded> <epoch ms> <dropped> <lag s>`: those changes are acknowledged, as a gateway's
// answer acknowledges the jobs it read. Change k's job ID is `killId(records[k % n], run, k)`, run
// being BENCH_WRITER_HOST_RUN. It runs until it is killed.
import { readFileSync } from 'node:fs';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { freshChange, killId } from './writerRecords.ts';
import { factsOf } from '../../src/datasources/registry.ts';

const store = JSON.parse(process.env.BENCH_WRITER_HOST_STORE ?? 'null') as HistoryStoreConfig;
const records = JSON.parse(
  readFileSync(process.env.BENCH_WRITER_HOST_RECORDS ?? '', 'utf8'),
) as JobRecord[];
const rate = Number(process.env.BENCH_WRITER_HOST_RATE);
const run = process.env.BENCH_WRITER_HOST_RUN ?? '';
if (!store || records.length === 0 || !(rate > 0) || run === '')
  throw new Error('writerHost: BENCH_WRITER_HOST_STORE, _RECORDS, _RATE and _RUN are required');

const db = (await openHistoryDatabase(store))!;
let dropped = 0;
// The gateway's writer as it is configured there: the defaults (a batch a second or at 2,000
// changes, 10,000 queued at most), the records already without secrets.
const writer = new HistoryWriter(db, {
  factsOf,
  withoutSecrets: (r) => r,
  count: (outcome, n) => {
    if (outcome === 'dropped') dropped += n;
  },
});
const started = Date.now();
let k = 0;
const tick = () => {
  const due = Math.floor(((Date.now() - started) / 1000) * rate);
  for (; k < due; k++) {
    const base = records[k % records.length]!;
    writer.record(freshChange(base, killId(base, run, k)));
  }
  process.stdout.write(`ack ${k} ${Date.now()} ${dropped} ${writer.lagSeconds}\n`);
};
process.stdout.write('ready\n');
setInterval(tick, 10);
