import type { EmulatorProcess } from '../rig/emulators.ts';
import { release, track, type Log, type Stack } from '../rig/stack.ts';
import { prepareFixtures } from './fixtures.ts';
import { floorCpuRunner } from './floor.ts';
import { UnknownIdGenerator, type IdKind } from './ids.ts';
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
  /** One run of the floor client's CPU for `kind` jobs: bench-process CPU µs per job of bare signed calls. */
  floorCpu(kind: IdKind): Promise<number>;
}

/** The phases' context over `stack`, with the floor's CPU runner (bench-process CPU per job of bare signed calls). */
export function benchContext(
  stack: Stack,
  settings: BenchSettings,
  paths: { repoRoot: string; tmpDir: string },
  log: Log,
): BenchContext {
  const common = {
    settings,
    ...paths,
    emulators: stack.emulators,
    jwtSecret: stack.jwtSecret,
    authHeaders: stack.headers,
    unknownIds: new UnknownIdGenerator(),
    log,
  };
  const floorCpu = floorCpuRunner(common);
  track({ stop: async () => floorCpu.close() });
  return { ...common, floorCpu: (kind) => floorCpu.run(kind) };
}

/**
 * The fixtures (`prepareFixtures`: which demo jobs are finished, unfinished, hold secrets; the
 * emulators' `synthesize` knob set), read through a probe gateway of `repoRoot` with no job
 * cache, which `withProbe` may use before it stops.
 */
export async function probeFixtures(
  stack: Stack,
  options: { repoRoot?: string; withProbe?: (url: string) => Promise<void> } = {},
): Promise<Awaited<ReturnType<typeof prepareFixtures>>> {
  const probe = await stack.gateway({
    label: 'probe',
    ...(options.repoRoot ? { repoRoot: options.repoRoot } : {}),
    extraEnv: { JOBGRAPH_CACHE_MAX_ENTRIES: '0' },
  });
  try {
    const prepared = await prepareFixtures(
      probe.url,
      stack.emulators,
      stack.headers,
      stack.secretsToken,
    );
    await options.withProbe?.(probe.url);
    return prepared;
  } finally {
    await release(probe);
  }
}
