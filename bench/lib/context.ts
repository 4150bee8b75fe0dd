import { release, track, type Log, type Stack } from '../rig/stack.ts';
import { prepareFixtures } from './fixtures.ts';
import { floorCpuRunner } from './floor.ts';
import { UnknownIdGenerator, type IdKind } from './ids.ts';
import type { BenchSettings } from './settings.ts';

/** What every phase of the bench needs. */
export type BenchContext = ReturnType<typeof benchContext>;

/** The phases' context over `stack`, with `floorCpu`: one run of the floor's CPU (µs per job). */
export function benchContext(stack: Stack, settings: BenchSettings, tmpDir: string, log: Log) {
  const { emulators, jwtSecret, gateway, headers: authHeaders } = stack;
  const unknownIds = new UnknownIdGenerator();
  const common = { settings, tmpDir, emulators, jwtSecret, gateway, authHeaders, unknownIds, log };
  const floorCpu = floorCpuRunner(common);
  track({ stop: async () => floorCpu.close() });
  return { ...common, floorCpu: (kind: IdKind) => floorCpu.run(kind) };
}

/** `fn` with every emulator answering after `ms`, then the bench's own latency again. */
export async function withLatency<T>(
  ctx: Pick<BenchContext, 'emulators' | 'settings'>,
  ms: number,
  fn: () => Promise<T>,
): Promise<T> {
  await ctx.emulators.setFaults({ latencyMs: ms });
  try {
    return await fn();
  } finally {
    await ctx.emulators.setFaults({ latencyMs: ctx.settings.latencyMs });
  }
}

/** `prepareFixtures` via a probe gateway of `repoRoot` (no job cache). */
export async function probeFixtures(stack: Stack, options: { repoRoot?: string } = {}) {
  const probe = await stack.gateway({
    label: 'probe',
    ...(options.repoRoot ? { repoRoot: options.repoRoot } : {}),
    extraEnv: { JOBGRAPH_CACHE_MAX_ENTRIES: '0' },
  });
  try {
    return await prepareFixtures(probe.url, stack);
  } finally {
    await release(probe);
  }
}
