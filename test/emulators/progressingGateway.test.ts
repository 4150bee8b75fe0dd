import { describe, expect, it } from 'vitest';
import { PROGRESSING_CREDENTIALS } from '@jobgraph/emulators/codepipeline/data';
import { COS_PROGRESSING_TASKS } from '@jobgraph/emulators/cosbatch/progressing';
import {
  PROGRESS_CYCLE_MS,
  PROGRESS_PHASES,
  IN_PLACE_PROGRESSING_JOB_IDS,
  DEMO_DATA,
  progressingJobIds,
} from '@jobgraph/emulators';
import type { EmulatorName } from '@jobgraph/emulators';
import { gql } from '../support/gateway.ts';
import { useSetClockGateway } from '../support/useTestGateway.ts';

/**
 * Issue 13, Demo: each emulator has one job that moves through its provider's real states over a
 * one-minute cycle and then starts again, as a pure function of the emulator's clock and epoch.
 * The tests set the clock; nothing waits for time to pass.
 */

/** What jobgraph reports for each phase (docs/queries.md's state mapping), at the phase's middle. */
const GATEWAY_EXPECTATIONS: {
  name: EmulatorName;
  providerStatus: string | null;
  state: string;
  terminal: boolean;
}[][] = [
  [
    { name: 'panorama', providerStatus: 'PENDING', state: 'QUEUED', terminal: false },
    { name: 'panorama', providerStatus: 'SUCCEEDED', state: 'SUCCEEDED', terminal: true },
  ],
  [
    { name: 'omics', providerStatus: 'SUBMITTED', state: 'QUEUED', terminal: false },
    { name: 'omics', providerStatus: 'IN_PROGRESS', state: 'IN_PROGRESS', terminal: false },
    { name: 'omics', providerStatus: 'COMPLETED', state: 'SUCCEEDED', terminal: true },
  ],
  [
    { name: 'cosbatch', providerStatus: 'New', state: 'QUEUED', terminal: false },
    { name: 'cosbatch', providerStatus: 'Preparing', state: 'QUEUED', terminal: false },
    { name: 'cosbatch', providerStatus: 'Ready', state: 'QUEUED', terminal: false },
    { name: 'cosbatch', providerStatus: 'Active', state: 'IN_PROGRESS', terminal: false },
    { name: 'cosbatch', providerStatus: 'Completing', state: 'IN_PROGRESS', terminal: false },
    { name: 'cosbatch', providerStatus: 'Complete', state: 'SUCCEEDED', terminal: true },
  ],
  [
    { name: 'importexport', providerStatus: 'Pending', state: 'QUEUED', terminal: false },
    { name: 'importexport', providerStatus: 'InProgress', state: 'IN_PROGRESS', terminal: false },
    { name: 'importexport', providerStatus: 'Complete', state: 'SUCCEEDED', terminal: true },
  ],
  [
    { name: 'codepipeline', providerStatus: null, state: 'UNKNOWN', terminal: false },
    { name: 'codepipeline', providerStatus: null, state: 'UNKNOWN', terminal: false },
    { name: 'codepipeline', providerStatus: null, state: 'UNKNOWN', terminal: false },
    { name: 'codepipeline', providerStatus: null, state: 'UNKNOWN', terminal: false },
  ],
];

const JOB_QUERY = `query($id: ID!) { job(id: $id) {
  id state providerStatus statusMessage terminal createdAt updatedAt completedAt
  ... on OmicsReferenceImportJob { sources { status } }
  ... on CosBatchJob { progressSummary { numberOfTasksSucceeded totalNumberOfTasks } }
  ... on ImportExportJob { locationCode carrier }
  ... on PanoramaPackageImportJob { output { packageVersion } }
  ... on CodePipelineJob { artifactCredentials { sessionToken } }
} }`;

/** The creation time jobgraph reports for a cycle that started at `cycleStartMs`: COS and Import/Export write whole seconds; CodePipeline has none. */
function createdAt(name: string, cycleStartMs: number): string | null {
  if (name === 'codepipeline') return null;
  return new Date(
    name === 'cosbatch' || name === 'importexport'
      ? Math.floor(cycleStartMs / 1000) * 1000
      : cycleStartMs,
  ).toISOString();
}

describe('The gateway over the progressing jobs, with the emulators’ clock set', () => {
  // Near the real time, so the emulators still accept the gateway's signatures (SigV4: 15 minutes; COS: the key window).
  const { gw, base, at } = useSetClockGateway();

  async function job(id: string, offsetMs: number, token = gw.tokens.read) {
    at(offsetMs);
    const res = await gql(gw, JOB_QUERY, { variables: { id }, token });
    expect(res.status).toBe(200);
    return res.body;
  }

  it.each(GATEWAY_EXPECTATIONS.map((phases) => [phases[0]?.name as string, phases] as const))(
    '%s: job(id:) reports the mapped state of each phase in order',
    async (name, expected) => {
      const idAt = (offsetMs: number) =>
        progressingJobIds(base + offsetMs, base)[name as EmulatorName];
      const id = idAt(0);
      const phases = PROGRESS_PHASES[name as keyof typeof PROGRESS_PHASES];
      const seen = [];
      for (const phase of phases) {
        const body = await job(id, Math.floor((phase.fromMs + phase.toMs) / 2), gw.tokens.secrets);
        expect(body.errors).toBeUndefined();
        const j = body.data?.job as Record<string, unknown>;
        expect(j.id).toBe(id);
        expect(j.createdAt).toBe(createdAt(name, base));
        seen.push({ name, providerStatus: j.providerStatus, state: j.state, terminal: j.terminal });
      }
      expect(seen).toEqual(expected);
      // The cycle starts again: a minute after the epoch the job is back in its first phase, the
      // same job where it starts again in place, else a new one, the last run staying finished.
      const next = idAt(PROGRESS_CYCLE_MS + 1);
      expect(next === id).toBe(name in IN_PLACE_PROGRESSING_JOB_IDS);
      const again = (await job(next, PROGRESS_CYCLE_MS + 1, gw.tokens.secrets)).data?.job as Record<
        string,
        unknown
      >;
      if (next !== id) {
        const last = (await job(id, PROGRESS_CYCLE_MS + 1, gw.tokens.secrets)).data?.job;
        expect(last).toMatchObject({
          providerStatus: expected.at(-1)?.providerStatus,
          terminal: true,
        });
      }
      expect({ providerStatus: again.providerStatus, state: again.state }).toEqual({
        providerStatus: expected[0]?.providerStatus,
        state: expected[0]?.state,
      });
      expect(again.createdAt).toBe(createdAt(name, base + PROGRESS_CYCLE_MS));
    },
  );

  it('AWS Batch: each cycle is a new job, and a job’s transitions never leave its finished state', async () => {
    const TRANSITIONS = `query($id: ID!) { job(id: $id) { id state providerStatus terminal transitions { from to providerStatus } } }`;
    const read = async (id: string, offsetMs: number) => {
      at(offsetMs);
      const res = await gql(gw, TRANSITIONS, { variables: { id }, token: gw.tokens.read });
      expect(res.body.errors).toBeUndefined();
      return res.body.data?.job as {
        state: string;
        providerStatus: string;
        terminal: boolean;
        transitions: { from: string | null; to: string; providerStatus: string }[];
      };
    };
    const idAt = (offsetMs: number) => {
      at(offsetMs);
      return gw.emulators.progressingJobIds().batch;
    };
    const first = idAt(0);
    const mid = (p: { fromMs: number; toMs: number }) => Math.floor((p.fromMs + p.toMs) / 2);
    for (const phase of PROGRESS_PHASES.batch) await read(first, mid(phase));
    const second = idAt(PROGRESS_CYCLE_MS);
    expect(second).not.toBe(first);
    for (const phase of PROGRESS_PHASES.batch) {
      const again = await read(first, PROGRESS_CYCLE_MS + mid(phase));
      expect(again).toMatchObject({ providerStatus: 'SUCCEEDED', terminal: true });
      await read(second, PROGRESS_CYCLE_MS + mid(phase));
    }
    for (const id of [first, second]) {
      const { transitions } = await read(id, 2 * PROGRESS_CYCLE_MS - 1);
      // One chain from the job's first sight to SUCCEEDED: each change starts where the last ended,
      // and nothing follows the finish.
      expect(transitions[0]?.from).toBeNull();
      for (let k = 1; k < transitions.length; k++)
        expect(transitions[k]?.from).toBe(transitions[k - 1]?.to);
      expect(transitions.map((t) => t.providerStatus).at(-1)).toBe('SUCCEEDED');
      expect(transitions.filter((t) => t.to === 'SUCCEEDED')).toHaveLength(1);
      expect(transitions.length).toBeGreaterThan(2);
    }
  });

  it('shows the progress fields moving forward within a cycle', async () => {
    const cos: number[] = [];
    const omics: number[] = [];
    for (let offset = 0; offset < PROGRESS_CYCLE_MS; offset += 5_000) {
      const c = (await job(IN_PLACE_PROGRESSING_JOB_IDS.cosbatch, offset)).data?.job;
      cos.push(c.progressSummary.numberOfTasksSucceeded);
      // A run the tests before have not read (a finished run is cached, as any finished job).
      const run = 3 * PROGRESS_CYCLE_MS;
      const o = (await job(progressingJobIds(base + run, base).omics, run + offset)).data?.job;
      omics.push((o.sources as { status: string }[]).filter((s) => s.status === 'FINISHED').length);
    }
    expect(cos).toEqual([...cos].sort((a, b) => a - b));
    expect(cos[0]).toBe(0);
    expect(cos.at(-1)).toBe(COS_PROGRESSING_TASKS);
    expect(new Set(cos).size).toBeGreaterThan(3);
    expect(omics).toEqual([...omics].sort((a, b) => a - b));
    expect(new Set(omics)).toEqual(new Set([0, 1, 2, 3]));
    const ie = (await job(IN_PLACE_PROGRESSING_JOB_IDS.importexport, 50_000)).data?.job;
    expect(ie).toMatchObject({ locationCode: 'Returned', carrier: 'UPS' });
    const pano = (await job(IN_PLACE_PROGRESSING_JOB_IDS.panorama, 50_000)).data?.job;
    expect(pano.output).toEqual({ packageVersion: '1.0' });
    expect(pano.completedAt).toBe(new Date(base + 40_000).toISOString());
  });

  it('CodePipeline: a reader gets FORBIDDEN for the rotating credentials; a secrets reader sees each session in turn', async () => {
    const reader = await job(IN_PLACE_PROGRESSING_JOB_IDS.codepipeline, 1_000);
    expect(reader.data?.job.artifactCredentials).toBeNull();
    expect(reader.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(reader)).not.toContain('DEMO-SESSION-TOKEN-010');
    const tokens = [];
    for (const offset of [1_000, 16_000, 31_000, 46_000])
      tokens.push(
        (await job(IN_PLACE_PROGRESSING_JOB_IDS.codepipeline, offset, gw.tokens.secrets)).data?.job
          .artifactCredentials.sessionToken,
      );
    expect(tokens).toEqual(PROGRESSING_CREDENTIALS.map((c) => c.sessionToken));
    for (const t of tokens) expect(gw.logs.text()).not.toContain(t);
  });
});

describe('The demo gateway’s cache and the progressing jobs', () => {
  const { gw, base, at } = useSetClockGateway({ JOBGRAPH_CACHE_MAX_ENTRIES: '1000' });

  it('never keeps a finished job that starts again in place, so the next cycle is seen; a finished static job or run is cached', async () => {
    const statics = DEMO_DATA.cosbatch.EXAMPLE_GLOBAL_ID;
    const query = 'query($ids: [ID!]!) { jobs(ids: $ids) { id providerStatus terminal } }';
    const runs = progressingJobIds(base, base);
    const ids = [
      IN_PLACE_PROGRESSING_JOB_IDS.cosbatch,
      IN_PLACE_PROGRESSING_JOB_IDS.panorama,
      runs.omics,
      statics,
    ];
    at(55_000);
    const finished = await gql(gw, query, { variables: { ids }, token: gw.tokens.read });
    expect(
      finished.body.data?.jobs.map((j: { providerStatus: string }) => j.providerStatus),
    ).toEqual(['Complete', 'SUCCEEDED', 'COMPLETED', 'Complete']);
    const before = gw.emulators.cosbatch.calls.length;
    at(PROGRESS_CYCLE_MS + 1_000);
    const next = await gql(gw, query, { variables: { ids }, token: gw.tokens.read });
    expect(next.body.data?.jobs.map((j: { providerStatus: string }) => j.providerStatus)).toEqual([
      'New',
      'PENDING',
      'COMPLETED',
      'Complete',
    ]);
    // The finished HealthOmics run (a new import job each cycle) came from the cache too.
    expect(
      gw.emulators.omics.calls.filter((c) => c.job?.endsWith(runs.omics.split(':')[3]!)),
    ).toHaveLength(1);
    // Only the progressing COS job went upstream again; the static one came from the cache.
    expect(gw.emulators.cosbatch.calls.slice(before).map((c) => c.job)).toEqual([
      `ap-guangzhou/${IN_PLACE_PROGRESSING_JOB_IDS.cosbatch.split(':')[3]}`,
    ]);
  });
});
