import { Writable } from 'node:stream';
import { startDemo, type DemoGateway } from '../../src/app.ts';
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
 * The demo gateway (emulators + gateway) on ephemeral loopback ports, logging into memory.
 * The cross-request job cache is off unless `env` turns it on, so tests can count upstream calls.
 * `emulatorClock` sets the emulators' clock and the progressing jobs' epoch (see src/emulators/progress.ts).
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  options: { watchScheduler?: Scheduler; emulatorClock?: { now?: () => number; epochMs?: number } } = {},
): Promise<TestGateway> {
  const logs = new LogCapture();
  const gateway = await startDemo({ port: 0, env: { LOG_LEVEL: 'info', JOBGRAPH_CACHE_MAX_ENTRIES: '0', ...env }, logDestination: logs, ...options });
  return Object.assign(gateway, { logs });
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
  text: string;
}

/** POST a GraphQL operation over real HTTP. */
export async function gql<T = Record<string, any>>(
  gateway: { server: { url: string } },
  query: string,
  options: { variables?: Record<string, unknown>; token?: string | undefined; headers?: Record<string, string> } = {},
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

/** The five emulators of a demo gateway, by name. */
export const EMULATOR_NAMES = ['panorama', 'omics', 'cosbatch', 'importexport', 'codepipeline'] as const;

/** Forget every emulator's call log, so a test can assert exactly the calls it caused. */
export function clearCalls(gateway: DemoGateway): void {
  for (const name of EMULATOR_NAMES) {
    gateway.emulators[name].calls.length = 0;
    gateway.emulators[name].received.length = 0;
  }
}

/** Upstream calls all five emulators received since the last clearCalls. */
export function upstreamCallCount(gateway: DemoGateway): number {
  return EMULATOR_NAMES.reduce((n, name) => n + gateway.emulators[name].calls.length, 0);
}

/** Put every emulator's fault knobs back to healthy. */
export function resetFaults(gateway: DemoGateway): void {
  for (const name of EMULATOR_NAMES) gateway.emulators[name].resetFaults();
}
