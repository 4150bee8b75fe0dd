import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startDemo, type DemoGateway, type GatewayBounds } from '../../src/app.ts';
import { providerOf } from '../../src/datasources/registry.ts';
import {
  DEMO_DATA,
  EMULATOR_NAMES,
  IDS_PER_DESCRIBE,
  MADE_UP_IDS,
  type EmulatorName,
} from '@jobgraph/emulators';
import { parseGlobalId } from '../../src/model/globalId.ts';
import type { Schedule } from '../../src/notifications/notifier.ts';
import { accountOfKey } from '../../src/model/keyGrammar.ts';
import type { Scheduler } from '../../src/subscriptions/scheduler.ts';

/** Everything the gateway logged during a test, one JSON line per entry. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestGateway extends DemoGateway {
  logs: LogCapture;
}

/**
 * The demo gateway (emulators + gateway) on ephemeral loopback ports, logging into memory, in the
 * default configuration: the cross-request job cache is on (finished jobs without secrets are
 * served from it after their first fetch). A test that counts upstream calls asks for jobs it has
 * not fetched yet (e.g. the emulators' `synthesize` knob makes fresh IDs), or — when the test is
 * about the upstream calls themselves — passes `JOBGRAPH_CACHE_MAX_ENTRIES: '0'` and says why.
 * `emulatorClock` sets the emulators' clock and the progressing jobs' epoch (see packages/emulators/src/progress.ts).
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  options: {
    watchScheduler?: Scheduler;
    emulatorClock?: { now?: () => number; epochMs?: number };
    /** The clock list snapshots are dated by (default the watch scheduler's, else the real one). */
    listClock?: () => number;
    /** More role ARNs the emulated STS lets the demo assume (accounts holding no jobs). */
    emulatorRoles?: readonly string[];
    /** The job-state store's bound (default STATES_SIZE). */
    statesSize?: number;
    /** Bounds fixed in production, narrowed (see `startGateway`). */
    bounds?: GatewayBounds;
    /** Arms the notifier's confirming window (see `startGateway`). */
    confirmWindow?: Schedule;
  } = {},
): Promise<TestGateway> {
  const logs = new LogCapture();
  const dataDir = mkdtempSync(join(tmpdir(), 'jobgraph-test-gateway-'));
  const gateway = await startDemo({
    port: 0,
    // No job events unless a test asks (JOBGRAPH_EVENT_QUEUES): the demo's own queues would make
    // its watched Batch, HealthOmics and CodePipeline jobs live by events, which the tests of
    // polling do not expect (test/subscriptions/events.test.ts tests the events, and the demo's).
    // `JOBGRAPH_EVENT_QUEUES: 'demo'` asks for the demo's own (the variable left unset).
    env: Object.fromEntries(
      Object.entries({
        LOG_LEVEL: 'info',
        JOBGRAPH_EVENT_QUEUES: '',
        // Its own history store (the default SQLite file in a folder of its own): a gateway of
        // another test file in the same worker, or one before it, writes none of its rows.
        JOBGRAPH_DATA_DIR: dataDir,
        ...env,
      }).filter(([name, value]) => !(name === 'JOBGRAPH_EVENT_QUEUES' && value === 'demo')),
    ),
    logDestination: logs,
    ...options,
  });
  const close = gateway.close.bind(gateway);
  return Object.assign(gateway, {
    logs,
    close: async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: {
      message: string;
      path?: (string | number)[];
      extensions?: Record<string, unknown>;
    }[];
  };
  text: string;
}

/** POST a GraphQL operation over real HTTP. */
export async function gql<T = Record<string, any>>(
  gateway: { server: { url: string } },
  query: string,
  options: {
    variables?: Record<string, unknown>;
    token?: string | undefined;
    headers?: Record<string, string>;
  } = {},
): Promise<GqlResult<T>> {
  const res = await fetch(gateway.server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text), text };
}

export { EMULATOR_NAMES } from '@jobgraph/emulators';

/** The emulator of each provider: the one that answers its example job. */
const EMULATOR_OF_PROVIDER: ReadonlyMap<string, EmulatorName> = new Map(
  EMULATOR_NAMES.map((name) => [parseGlobalId(DEMO_DATA[name].EXAMPLE_GLOBAL_ID).provider, name]),
);

/** The emulator that answers a global ID (of any kind of its provider's jobs). */
export function emulatorOf(globalId: string): EmulatorName {
  const name = EMULATOR_OF_PROVIDER.get(parseGlobalId(globalId).provider);
  if (!name) throw new Error(`no emulator answers ${globalId}`);
  return name;
}

/**
 * Per emulator, the describe calls that reading `ids` at once costs when none of them is cached or
 * in flight: per kind of job, region and account, its distinct IDs over how many one call answers
 * (IDS_PER_DESCRIBE: one a call, AWS Batch's DescribeJobs 100; a further kind's job — a
 * HealthOmics run or run batch, a Batch service job — one a call, never in a batch describe).
 * Compare with `callsOf`.
 */
export function describeCalls(ids: readonly string[]): Record<EmulatorName, number> {
  const groups = new Map<string, { emulator: EmulatorName; ids: number; perCall: number }>();
  for (const id of new Set(ids)) {
    const key = parseGlobalId(id);
    const emulator = emulatorOf(id);
    const region = 'region' in key ? key.region : '';
    const kind = key.kind ?? '';
    const where = `${emulator} ${kind} ${region} ${accountOfKey(providerOf(key.provider).key, key) ?? ''}`;
    const perCall = kind === '' ? IDS_PER_DESCRIBE[emulator] : 1;
    groups.set(where, { emulator, ids: (groups.get(where)?.ids ?? 0) + 1, perCall });
  }
  const calls = Object.fromEntries(EMULATOR_NAMES.map((name) => [name, 0])) as Record<
    EmulatorName,
    number
  >;
  for (const g of groups.values()) calls[g.emulator] += Math.ceil(g.ids / g.perCall);
  return calls;
}

/** The calls each emulator logged since the last clearCalls. */
export function callsOf(gateway: DemoGateway): Record<EmulatorName, number> {
  return Object.fromEntries(
    EMULATOR_NAMES.map((name) => [name, gateway.emulators[name].calls.length]),
  ) as Record<EmulatorName, number>;
}

/** Forget every emulator's call log, so a test can assert exactly the calls it caused. */
export function clearCalls(gateway: DemoGateway): void {
  for (const name of EMULATOR_NAMES) {
    gateway.emulators[name].calls.length = 0;
    gateway.emulators[name].received.length = 0;
  }
}

/** Upstream calls all the providers' emulators received since the last clearCalls. */
export function upstreamCallCount(gateway: DemoGateway): number {
  return Object.values(callsOf(gateway)).reduce((n, calls) => n + calls, 0);
}

/** Put every emulator's fault knobs back to healthy. */
export function resetFaults(gateway: DemoGateway): void {
  for (const name of EMULATOR_NAMES) gateway.emulators[name].resetFaults();
}

/**
 * The family of the emulators' made-up IDs (MADE_UP_IDS) that `freshCopies` asks for: one each
 * call, valid for the provider's ID pattern, clear of every job the emulators hold and of the IDs
 * other tests make up (test/emulators/synthesize.test.ts: families 1 and 2).
 */
const FRESH_FAMILY = 0;

let freshSerial = 0;

/**
 * A copy of each demo job given (global IDs), under a new global ID nobody has asked for yet, so
 * neither the gateway's job cache nor anything else has seen it: a test that counts upstream calls
 * or makes a provider fail asks for these instead of demo jobs an earlier test may have cached.
 * The emulators answer each new ID as its template job with the ID substituted (their
 * `synthesize` knob, set here and added to what is set; `resetFaults` takes it off again).
 */
export function freshCopies(gateway: DemoGateway, templates: readonly string[]): string[] {
  return templates.map((template) => {
    const at = template.lastIndexOf(':');
    if (at < 0) throw new Error(`freshCopies: not a demo job's global ID: ${template}`);
    const name = emulatorOf(template);
    const emulator = gateway.emulators[name];
    const native = MADE_UP_IDS[name].id(FRESH_FAMILY, (freshSerial += 1));
    emulator.setFaults({
      synthesize: { ...emulator.faults.synthesize, [native]: template.slice(at + 1) },
    });
    return template.slice(0, at + 1) + native;
  });
}
