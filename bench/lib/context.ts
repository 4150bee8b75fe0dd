import type { EmulatorProcess } from '../rig/emulators.ts';
import type { IdKind, UnknownIdGenerator } from './ids.ts';
import type { BenchSettings } from './settings.ts';

/** What every phase of the bench needs. */
export interface BenchContext {
  settings: BenchSettings;
  repoRoot: string;
  /** Scratch directory for profiles and baseline data (under os.tmpdir()). */
  tmpDir: string;
  emulators: EmulatorProcess;
  jwtSecret: string;
  /** `Authorization: Bearer …` with scope jobs:read. */
  authHeaders: Record<string, string>;
  unknownIds: UnknownIdGenerator;
  log(message: string): void;
  /** One run of the floor client's CPU for `kind` jobs: bench-process CPU µs per bare signed call. */
  floorCpu(kind: IdKind): Promise<number>;
}
