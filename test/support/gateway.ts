import { Writable } from 'node:stream';
import { startDemo, type DemoGateway } from '../../src/app.ts';
import { DEMO_DATA, exampleGlobalIds, type EmulatorName } from '../../src/emulators/index.ts';
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
 * `emulatorClock` sets the emulators' clock and the progressing jobs' epoch (see src/emulators/progress.ts).
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
  } = {},
): Promise<TestGateway> {
  const logs = new LogCapture();
  const gateway = await startDemo({
    port: 0,
    env: { LOG_LEVEL: 'info', ...env },
    logDestination: logs,
    ...options,
  });
  return Object.assign(gateway, { logs });
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

/** The five emulators of a demo gateway that the per-provider test tables cover, by name. */
export const EMULATOR_NAMES = [
  'panorama',
  'omics',
  'cosbatch',
  'importexport',
  'codepipeline',
] as const;

/** EMULATOR_NAMES' demo data: for the tests whose tables count one upstream call per job (AWS Batch's DescribeJobs answers 100). */
export const TABLE_DEMO_DATA: Pick<typeof DEMO_DATA, (typeof EMULATOR_NAMES)[number]> =
  Object.fromEntries(EMULATOR_NAMES.map((name) => [name, DEMO_DATA[name]])) as Pick<
    typeof DEMO_DATA,
    (typeof EMULATOR_NAMES)[number]
  >;

/** EMULATOR_NAMES' example global IDs (see TABLE_DEMO_DATA). */
export function tableExampleIds(): Record<(typeof EMULATOR_NAMES)[number], string> {
  const all = exampleGlobalIds();
  return Object.fromEntries(EMULATOR_NAMES.map((name) => [name, all[name]])) as Record<
    (typeof EMULATOR_NAMES)[number],
    string
  >;
}

/** Every provider's emulator of a demo gateway: the five and AWS Batch's. */
export const PROVIDER_EMULATORS = [...EMULATOR_NAMES, 'batch'] as const;

/** Forget every emulator's call log, so a test can assert exactly the calls it caused. */
export function clearCalls(gateway: DemoGateway): void {
  for (const name of PROVIDER_EMULATORS) {
    gateway.emulators[name].calls.length = 0;
    gateway.emulators[name].received.length = 0;
  }
}

/** Upstream calls all the providers' emulators received since the last clearCalls. */
export function upstreamCallCount(gateway: DemoGateway): number {
  return PROVIDER_EMULATORS.reduce((n, name) => n + gateway.emulators[name].calls.length, 0);
}

/** Put every emulator's fault knobs back to healthy. */
export function resetFaults(gateway: DemoGateway): void {
  for (const name of PROVIDER_EMULATORS) gateway.emulators[name].resetFaults();
}

/** The emulator of a global ID's prefix. */
const EMULATOR_OF_PREFIX: Readonly<Record<string, EmulatorName>> = {
  panorama: 'panorama',
  omics: 'omics',
  cos: 'cosbatch',
  importexport: 'importexport',
  codepipeline: 'codepipeline',
  batch: 'batch',
};

/**
 * Per emulator, the made-up job ID `freshCopies` asks for, from a serial number: fixed width (no
 * ID is a prefix of another), valid for the provider's ID pattern, clear of the demo and
 * error-case IDs and of the prefixes other tests and the bench use.
 */
const FRESH_NATIVE_ID: Readonly<Record<EmulatorName, (n: number) => string>> = {
  panorama: (n) => `pkgimport-fresh-${String(n).padStart(8, '0')}`,
  omics: (n) => `96${String(n).padStart(14, '0')}`,
  cosbatch: (n) => `fresh-${String(n).padStart(8, '0')}`,
  importexport: (n) => `FRESH${String(n).padStart(8, '0')}`,
  codepipeline: (n) => `f4e50000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  batch: (n) => `f4e5b000-0000-4000-8000-${String(n).padStart(12, '0')}`,
};

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
    const name = EMULATOR_OF_PREFIX[template.slice(0, template.indexOf(':'))];
    if (!name || at < 0) throw new Error(`freshCopies: not a demo job's global ID: ${template}`);
    const emulator = gateway.emulators[name];
    const native = FRESH_NATIVE_ID[name]((freshSerial += 1));
    emulator.setFaults({
      synthesize: { ...emulator.faults.synthesize, [native]: template.slice(at + 1) },
    });
    return template.slice(0, at + 1) + native;
  });
}
