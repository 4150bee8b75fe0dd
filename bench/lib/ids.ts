import { DEMO_DATA, exampleGlobalIds, MADE_UP_IDS } from '@jobgraph/emulators';
import type { EmulatorName } from '@jobgraph/emulators';

export const PROVIDERS = ['panorama', 'omics', 'cosbatch', 'importexport', 'codepipeline'] as const;

/** A provider the bench's job mix asks for: the five above, one call a job, and AWS Batch, 100 jobs a call. */
export type BenchProvider = EmulatorName | 'batch';
export const BENCH_PROVIDERS = [...PROVIDERS, 'batch'] as const satisfies readonly BenchProvider[];

/** The demo jobs the emulators hold, as global IDs, per provider. */
export const demoIds = (provider: BenchProvider): string[] => [
  ...DEMO_DATA[provider].DEMO_GLOBAL_IDS,
];

/** The global-ID prefix of a provider's example job: everything before its own job ID. */
function prefixOf(provider: BenchProvider): string {
  const example = exampleGlobalIds()[provider];
  return example.slice(0, example.lastIndexOf(':') + 1);
}

/** A global ID's first part (`cos`, `batch`, …) → its provider. */
export const PROVIDER_OF_PREFIX = Object.fromEntries(
  BENCH_PROVIDERS.map((p) => [prefixOf(p).split(':')[0], p]),
) as Record<string, BenchProvider>;

/** A made-up ID's answer: not found, or a finished/running demo job's copy (`synthesizeRules`); `known`: finished, asked again. */
export type IdKind = 'missing' | 'finished' | 'running' | 'known';

/** The family of the emulators' made-up IDs (`madeUpIds`) of each kind; the tests use 0–2. */
const FAMILY: Record<IdKind, number> = { missing: 3, finished: 4, running: 5, known: 4 };

/** IDs one generator makes; its nonce is the digits of the serial above them. */
const SERIALS_PER_NONCE = 10 ** 8;

/** The emulators' `synthesize` knob: each provider's finished/running prefix → the template job's provider ID. */
export function synthesizeRules(
  templates: Partial<Record<BenchProvider, { finished: string; running: string }>>,
): Record<string, string> {
  const rules: Record<string, string> = {};
  for (const p of BENCH_PROVIDERS) {
    const template = templates[p];
    if (!template) continue;
    rules[MADE_UP_IDS[p].prefix(FAMILY.finished)] = nativeOf(template.finished);
    rules[MADE_UP_IDS[p].prefix(FAMILY.running)] = nativeOf(template.running);
  }
  return rules;
}

/** The provider's own job ID inside a global ID (its last segment). */
export const nativeOf = (globalId: string): string => globalId.slice(globalId.lastIndexOf(':') + 1);

/** Distinct global IDs no demo job has, valid (so sent upstream), answered as `IdKind` says. */
export class UnknownIdGenerator {
  private counter = 0;
  private readonly nonce: number;

  constructor(seed: number = Date.now()) {
    this.nonce = seed % 10_000;
  }

  next(provider: BenchProvider, kind: IdKind = 'missing'): string {
    const n = this.counter++;
    if (n >= SERIALS_PER_NONCE) throw new RangeError(`more than ${SERIALS_PER_NONCE} unknown IDs`);
    const own = MADE_UP_IDS[provider].id(FAMILY[kind], this.nonce * SERIALS_PER_NONCE + n);
    return `${prefixOf(provider)}${own}`;
  }

  /** `perProvider` fresh IDs of `kind` for each of `providers` (default all five), interleaved by provider. */
  mix(perProvider: number, kind: IdKind, providers: readonly EmulatorName[] = PROVIDERS): string[] {
    const out: string[] = [];
    for (let i = 0; i < perProvider; i++) for (const p of providers) out.push(this.next(p, kind));
    return out;
  }

  /** `total` fresh IDs of `kind`, one provider after another (default the six of the job mix). */
  take(total: number, kind: IdKind, providers: readonly BenchProvider[] = BENCH_PROVIDERS) {
    return Array.from({ length: total }, (_, i) =>
      this.next(providers[i % providers.length] as BenchProvider, kind),
    );
  }
}
