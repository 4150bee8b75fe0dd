import type { BenchProvider } from '../lib/ids.ts';
import type { Faults } from '../../src/emulators/framework.ts';

/** One emulator's counters: calls logged so far and TCP connections accepted so far. */
export interface EmulatorCounters {
  calls: number;
  connections: number;
}

export type CounterSnapshot = Record<BenchProvider, EmulatorCounters>;

/** One logged upstream call, as the bench needs it. */
export interface LoggedCall {
  emulator: BenchProvider;
  job: string | null;
  status: number;
}

/** Parent → emulator host. */
export type HostRequest =
  | { id: number; op: 'counters' }
  | { id: number; op: 'callsSince'; since: CounterSnapshot }
  | { id: number; op: 'setFaults'; patch: Partial<Faults> }
  | { id: number; op: 'patchImportExportJob'; job: string; patch: Record<string, string> }
  | { id: number; op: 'close' };

/** Emulator host → parent. */
export type HostMessage =
  | { kind: 'ready'; env: Record<string, string>; urls: Record<BenchProvider, string> }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string };

/**
 * The host side of the forked emulator process (emulatorHost.ts): send `ready`, answer each
 * request with `handle`'s value or error; `close`, or the parent going away, runs `onClose` and
 * ends the process.
 */
export function serveHost(
  ready: Record<string, unknown>,
  handle: (request: HostRequest) => unknown,
  onClose: () => Promise<unknown>,
): void {
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (request: HostRequest) => {
    const closing = request.op === 'close';
    Promise.resolve()
      .then(() => (closing ? onClose().then(() => null) : handle(request)))
      .then(
        (value) => send({ kind: 'reply', id: request.id, ok: true, value }),
        (err: unknown) =>
          send({
            kind: 'reply',
            id: request.id,
            ok: false,
            error: err instanceof Error ? err.message : String(err),
          }),
      )
      .finally(() => closing && setImmediate(() => process.exit(0)));
  });
  process.on('disconnect', () => void onClose().finally(() => process.exit(0)));
  send({ kind: 'ready', ...ready });
}
