import { loadConfig, type Config } from '../../../src/config/index.ts';
import { closeSources, createSources, type Sources } from '../../../src/datasources/index.ts';
import {
  createJobLister,
  type JobListFilter,
  type JobListPage,
  type JobLister,
} from '../../../src/datasources/listing/index.ts';
import {
  EMULATOR_NAMES,
  startEmulators,
  type EmulatorSet,
  type EmulatorSetName,
  type ListOrder,
  type OrderedEmulatorName,
} from '@jobgraph/emulators';
import { withDefaultDemoAccounts } from '../../support/defaultAccounts.ts';

export const TEST_CURSOR_SECRET = 'listing-test-cursor-secret-0123456789abcdef';

/** Every provider's emulator of a set (all but STS, which no list calls). */
export type ProviderEmulatorName = Exclude<EmulatorSetName, 'sts' | 'sqs'>;

export const EMULATORS: readonly ProviderEmulatorName[] = EMULATOR_NAMES;

/** The emulators, the demo sources and a lister over them, on a fixed clock. */
export interface ListingRig {
  /** The emulators' clock (fixed): the listed demo jobs are placed relative to it. */
  anchorMs: number;
  emulators: EmulatorSet;
  config: Config;
  sources: Sources;
  lister: JobLister;
  /** One page for caller `test`. */
  page(args: {
    filter?: JobListFilter;
    first?: number;
    after?: string | null;
    caller?: string;
  }): Promise<JobListPage>;
  /** Every page of `size` from the start, following the last edge's cursor. */
  walk(size: number, filter?: JobListFilter): Promise<{ pages: JobListPage[]; ids: string[] }>;
  /** The operations each emulator was called with since the last `clearCalls`. */
  operations(): Record<ProviderEmulatorName, string[]>;
  clearCalls(): void;
  close(): Promise<void>;
}

/**
 * Start the emulators on a fixed clock (so the progressing jobs keep their creation time
 * while a test pages) and point the demo configuration's sources at them, as `startDemo` does,
 * without the cross-request cache (each list call reaches the emulator) and, unless `env` says
 * otherwise, without keeping list snapshots (JOBGRAPH_LIST_SNAPSHOT_SECONDS=0: each page reads
 * the sources it lists whole again, as the tests of what one read costs and returns need;
 * snapshots.test.ts and test/listing/snapshots.test.ts test the snapshots).
 */
export async function startListingRig(
  options: {
    env?: Record<string, string>;
    listOrder?: Partial<Record<OrderedEmulatorName, ListOrder>>;
    config?: (config: Config) => Config;
    /** The emulators' fixed clock; default now. Two rigs with one anchor list the same jobs at the same times. */
    anchorMs?: number;
    /** A big account: this many jobs in every listable source (startEmulators' `jobsPerSource`). */
    jobsPerSource?: number;
    /** The emulators' clock, for a test that moves the progressing jobs; default fixed at `anchorMs`. */
    now?: () => number;
  } = {},
): Promise<ListingRig> {
  const anchorMs = options.anchorMs ?? Date.now();
  const emulators = await startEmulators({
    now: options.now ?? (() => anchorMs),
    ...(options.listOrder ? { listOrder: options.listOrder } : {}),
    ...(options.jobsPerSource ? { jobsPerSource: options.jobsPerSource } : {}),
  });
  const base = loadConfig(
    { mode: 'demo' },
    {
      JOBGRAPH_CURSOR_SECRET: TEST_CURSOR_SECRET,
      JOBGRAPH_LIST_SNAPSHOT_SECONDS: '0',
      ...options.env,
    },
  );
  const demo = withDefaultDemoAccounts(base, emulators);
  const config = options.config ? options.config(demo) : demo;
  const sources = createSources(config);
  const lister = createJobLister(sources, config);
  const page: ListingRig['page'] = (args) =>
    lister.list({
      filter: args.filter ?? {},
      first: args.first ?? 25,
      after: args.after ?? null,
      caller: args.caller ?? 'test',
    });
  return {
    anchorMs,
    emulators,
    config,
    sources,
    lister,
    page,
    async walk(size, filter = {}) {
      const pages: JobListPage[] = [];
      let after: string | null = null;
      for (let i = 0; i < 500; i++) {
        const p: JobListPage = await page({ filter, first: size, after });
        pages.push(p);
        if (!p.hasNextPage)
          return { pages, ids: pages.flatMap((x) => x.edges.map((e) => e.job.id)) };
        after = p.edges.at(-1)!.cursor;
      }
      throw new Error('the walk never ended');
    },
    operations() {
      const out = {} as Record<ProviderEmulatorName, string[]>;
      for (const name of EMULATORS) out[name] = emulators[name].calls.map((c) => c.operation);
      return out;
    },
    clearCalls() {
      for (const name of EMULATORS) emulators[name].calls.length = 0;
    },
    async close() {
      closeSources(sources);
      await emulators.close();
    },
  };
}
