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
