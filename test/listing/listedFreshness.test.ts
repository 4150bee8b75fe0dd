import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import {
  IN_PLACE_PROGRESSING_JOB_IDS,
  PROGRESS_CYCLE_MS,
  startEmulators,
  type EmulatorSet,
} from '@jobgraph/emulators';
import { startDefaultAccountsGateway } from '../support/defaultAccountsGateway.ts';
import { gql } from '../support/gateway.ts';

/**
 * A `listJobs` row is as current as a job query for the same job, whatever it selects. The
 * stack is the deployment kit's: live configuration against the emulators, the job cache on and
 * nothing exempt from it (the demo exempts its progressing jobs; the kit does not), so the COS
 * progressing job's finished record is cached, and the job starts again in the next cycle. A row
 * that selects a describe-only field (`statusMessage`) must not answer from that record while the
 * list shows the job running again.
 */

const JOB = IN_PLACE_PROGRESSING_JOB_IDS.cosbatch;
const COS = { providers: ['TENCENT_COS_BATCH'], accounts: ['default'] };

// What the list summary answers alone.
const SMALL = `query Small($filter: JobListFilter) {
  listJobs(first: 100, filter: $filter) {
    nodes { id state ... on CosBatchJob { progressSummary { numberOfTasksSucceeded } } }
  }
}`;
// The same and a field only the describe call has.
const WIDE = `query Wide($filter: JobListFilter) {
  listJobs(first: 100, filter: $filter) {
    nodes { id state statusMessage ... on CosBatchJob { progressSummary { numberOfTasksSucceeded } } }
  }
}`;
const ONE = `query One($id: ID!) {
  job(id: $id) { id state statusMessage ... on CosBatchJob { progressSummary { numberOfTasksSucceeded } } }
}`;

interface Row {
  id: string;
  state: string;
  statusMessage?: string | null;
  progressSummary: { numberOfTasksSucceeded: number | null } | null;
}

let emulators: EmulatorSet;
let gateway: Gateway;
let token: string;
/** The emulators' clock stands still at the start plus this shift, in ms (signatures stay in time). */
let shiftMs = 0;

beforeAll(async () => {
  const anchorMs = Date.now();
  // Cycle 0 began 55 s ago: the job is at `Complete` (50..60 s of the cycle).
  emulators = await startEmulators({ now: () => anchorMs + shiftMs, epochMs: anchorMs - 55_000 });
  ({ gateway, token } = await startDefaultAccountsGateway(emulators, 'listed-freshness-test', {
    // Every page reads the list again: the row's summary is the emulator's now.
    JOBGRAPH_LIST_SNAPSHOT_SECONDS: '0',
  }));
});
afterAll(async () => {
  await gateway?.close();
  await emulators?.close();
});

async function row(query: string): Promise<Row> {
  const res = await gql<{ listJobs: { nodes: Row[] } }>(gateway, query, {
    variables: { filter: COS },
    token,
  });
  expect(res.body.errors).toBeUndefined();
  const found = res.body.data!.listJobs.nodes.find((n) => n.id === JOB);
  expect(found).toBeDefined();
  return found!;
}

async function job(): Promise<Row> {
  const res = await gql<{ job: Row }>(gateway, ONE, { variables: { id: JOB }, token });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.job;
}

const withoutMessage = ({ statusMessage: _, ...rest }: Row): Row => rest;

/** The same job through a small row, a wide row and a job query, at one point of its cycle. */
async function threeWays() {
  const wide = await row(WIDE);
  const small = await row(SMALL);
  const one = await job();
  return { small, wide, one };
}

describe('a listed row and a job query for the same job', () => {
  it('agree across the progressing job’s cycles, whether the row selects a describe-only field or not', async () => {
    // Cycle 0, Complete: the job query caches the finished record.
    const done = await job();
    expect(done).toMatchObject({ state: 'SUCCEEDED', statusMessage: 'Job complete' });
    let seen = await threeWays();
    expect(seen.wide).toEqual(seen.one);
    expect(seen.small).toEqual(withoutMessage(seen.one));

    // Cycle 1, 30 s in (Active): the cached record is of the last cycle; the list shows it running.
    shiftMs = 35_000;
    seen = await threeWays();
    expect(seen.wide.state).toBe('IN_PROGRESS');
    expect(seen.wide.statusMessage).toBeNull();
    expect(seen.wide.progressSummary!.numberOfTasksSucceeded).toBeLessThan(120);
    expect(seen.wide).toEqual(seen.one);
    expect(seen.small).toEqual(withoutMessage(seen.one));

    // Cycle 1, Complete again (55 s in); then cycle 2, 2 s in (New).
    for (const [shift, state] of [
      [60_000, 'SUCCEEDED'],
      [PROGRESS_CYCLE_MS + 7_000, null],
    ] as const) {
      shiftMs = shift;
      seen = await threeWays();
      if (state) expect(seen.wide.state).toBe(state);
      else expect(seen.wide.state).not.toBe('SUCCEEDED');
      expect(seen.wide).toEqual(seen.one);
      expect(seen.small).toEqual(withoutMessage(seen.one));
    }
  });
});
