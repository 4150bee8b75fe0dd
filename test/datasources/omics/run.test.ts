import { describe, expect, it } from 'vitest';
import { omicsRunFacts } from '../../../src/datasources/omics/run/facts.ts';
import { parse } from '../../../src/datasources/omics/run/parse.ts';
import { OMICS_RUN_STATE_MAP } from '../../../src/datasources/omics/run/record.ts';
import { MalformedBodyError, UpstreamError } from '../../../src/errors.ts';
import { OMICS_EVENTS } from '../../../src/datasources/omics/events.ts';
import { omicsRunStatusChangeEvent } from '@jobgraph/emulators/omics/jobEvents';
import type { OmicsRunKey } from '../../../src/model/keys.ts';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { expectRecordMatchesType } from '../../support/recordSchema.ts';

const keyOf = (run: { id: string; uuid: string }): OmicsRunKey => ({
  provider: 'AWS_OMICS',
  kind: 'run',
  region: 'us-east-1',
  uuid: run.uuid,
  runId: run.id,
});
/** A demo run as GetRun answers it (its tasks are ListRunTasks'). */
const wire = (run: (typeof OMICS_DEMO_RUNS)[number]) => {
  const { tasks: _tasks, ...answer } = run;
  return JSON.parse(JSON.stringify(answer)) as unknown;
};

describe('A HealthOmics workflow run’s record (GetRun)', () => {
  it('names every field as OmicsRun does, and says its kind', () => {
    for (const run of OMICS_DEMO_RUNS) {
      const { kind, ...record } = parse(keyOf(run), wire(run));
      expect(kind).toBe('run');
      expectRecordMatchesType(record, 'OmicsRun');
    }
  });

  it('maps every GetRun status to a state, DELETED and unknown ones to UNKNOWN', () => {
    const run = OMICS_DEMO_RUNS[0]!;
    const stateOf = (status: string) =>
      parse(keyOf(run), { ...(wire(run) as object), status }).state;
    expect(Object.keys(OMICS_RUN_STATE_MAP).map((s) => [s, stateOf(s)])).toEqual([
      ['PENDING', 'QUEUED'],
      ['STARTING', 'QUEUED'],
      ['RUNNING', 'IN_PROGRESS'],
      ['STOPPING', 'CANCELLING'],
      ['COMPLETED', 'SUCCEEDED'],
      ['FAILED', 'FAILED'],
      ['CANCELLED', 'CANCELLED'],
      ['DELETED', 'UNKNOWN'],
    ]);
    expect(stateOf('HIBERNATING')).toBe('UNKNOWN');
  });

  it('is NOT_FOUND when the run of that ID has another uuid (a deleted run’s ID given again)', () => {
    const run = OMICS_DEMO_RUNS[1]!;
    const key = { ...keyOf(run), uuid: 'ffffffff-1111-4222-8333-444444444444' };
    let thrown: unknown;
    try {
      parse(key, wire(run));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UpstreamError);
    expect(thrown).toMatchObject({ code: 'NOT_FOUND', provider: 'AWS_OMICS' });
    // The other run's uuid is upstream's, not the caller's: never in the message.
    expect((thrown as Error).message).not.toContain(run.uuid);
  });

  it('gives its facts: name, run group as queue, message, times, failure evidence', () => {
    const run = OMICS_DEMO_RUNS.find((r) => r.status === 'FAILED')!;
    expect(omicsRunFacts(parse(keyOf(run), wire(run)))).toEqual({
      name: run.name,
      queue: run.runGroupId,
      message: run.statusMessage,
      createdAt: run.creationTime,
      startedAt: run.startTime,
      stoppedAt: run.stopTime,
      evidence: [
        { field: 'failureReason', value: 'FILE_SYSTEM_OUT_OF_SPACE' },
        { field: 'statusMessage', value: run.statusMessage },
      ],
    });
    expect(omicsRunFacts({})).toMatchObject({ name: null, queue: null, evidence: [] });
  });
});

describe('A HealthOmics run’s Run Status Change event (omics/events.ts)', () => {
  const place = { account: 'default', region: 'us-east-1' };
  it('names the watched run whose record carries the event’s ARN: a hint to read it again', () => {
    const run = OMICS_DEMO_RUNS.find((r) => r.status === 'RUNNING')!;
    const record = parse(keyOf(run), wire(run));
    // The emulator's event of the run, as EventBridge delivers its detail.
    const detail = omicsRunStatusChangeEvent(run, '123456789012', 'us-east-1', 0).detail;
    const meaning = OMICS_EVENTS.read(detail, place, 'Run Status Change');
    expect(meaning).toEqual({ kind: 'ref', ref: run.arn });
    expect(OMICS_EVENTS.ref?.(record)).toBe(run.arn);
    // A reference import job's record carries no run ARN.
    const { kind: _kind, ...firstKind } = record;
    expect(OMICS_EVENTS.ref?.(firstKind)).toBeNull();
  });

  it('refuses a Run Status Change whose detail names no run', () => {
    expect(() =>
      OMICS_EVENTS.read({ arn: 'arn:aws:omics:us-east-1:1:task/5' }, place, 'Run Status Change'),
    ).toThrow(MalformedBodyError);
  });
});
