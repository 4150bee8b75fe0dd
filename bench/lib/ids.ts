import { DEMO_DATA, exampleGlobalIds, type EmulatorName } from '../../src/emulators/index.ts';

export const PROVIDERS = [
  'panorama',
  'omics',
  'cosbatch',
  'importexport',
  'codepipeline',
] as const satisfies readonly EmulatorName[];

/** A provider the bench's ID tables cover (its `PROVIDERS`). */
export type BenchProvider = (typeof PROVIDERS)[number];

/** The demo jobs the emulators hold, as global IDs, per provider (51 in all today). */
export function demoIds(provider: EmulatorName): string[] {
  return [...DEMO_DATA[provider].DEMO_GLOBAL_IDS];
}

/** The global-ID prefix of a provider's example job: everything before its own job ID. */
function prefixOf(provider: EmulatorName): string {
  const example = exampleGlobalIds()[provider];
  return example.slice(0, example.lastIndexOf(':') + 1);
}

/**
 * What an ID made by {@link UnknownIdGenerator} is answered with: `missing` — not found
 * (404 ResourceNotFound / NoSuchJob / InvalidJobId / JobNotFound); `finished` / `running` — a
 * full-size copy of a finished / unfinished demo job, through the emulators' `synthesize`
 * knob (see {@link synthesizeRules}).
 */
export type IdKind = 'missing' | 'finished' | 'running';

/** The provider-ID prefix of each kind, per provider (each valid for the provider's ID pattern). */
const PREFIXES: Record<BenchProvider, Record<IdKind, string>> = {
  panorama: {
    missing: 'pkgimport-bench-',
    finished: 'pkgimport-synf-',
    running: 'pkgimport-synr-',
  },
  // 10-36 digits; 97/981/982 keep clear of the demo (811…) and error-case (4xx0…) IDs.
  omics: { missing: '97', finished: '981', running: '982' },
  cosbatch: { missing: 'bench-', finished: 'synf-', running: 'synr-' },
  importexport: { missing: 'BENCH', finished: 'SYNF', running: 'SYNR' },
  codepipeline: { missing: 'beec', finished: 'f1f1', running: 'a1a1' },
};

/** The emulators' `synthesize` knob: each provider's finished/running prefix → the template job's provider ID. */
export function synthesizeRules(
  templates: Record<BenchProvider, { finished: string; running: string }>,
): Record<string, string> {
  const rules: Record<string, string> = {};
  for (const p of PROVIDERS) {
    rules[PREFIXES[p].finished] = nativeOf(templates[p].finished);
    rules[PREFIXES[p].running] = nativeOf(templates[p].running);
  }
  return rules;
}

/** The provider's own job ID inside a global ID (its last segment). */
export function nativeOf(globalId: string): string {
  return globalId.slice(globalId.lastIndexOf(':') + 1);
}

/**
 * Makes global IDs that no demo job has but every emulator answers: each valid for its
 * provider's documented pattern, so the gateway sends it upstream (one logged call per ID),
 * answered as its {@link IdKind} says. Every ID made by one generator is distinct.
 */
export class UnknownIdGenerator {
  private counter = 0;
  private readonly nonce: number;

  constructor(seed: number = Date.now()) {
    this.nonce = seed % 65536;
  }

  next(provider: BenchProvider, kind: IdKind = 'missing'): string {
    const n = this.counter++;
    const hex4 = this.nonce.toString(16).padStart(4, '0');
    const prefix = prefixOf(provider);
    const own = PREFIXES[provider][kind];
    switch (provider) {
      case 'panorama':
        return `${prefix}${own}${hex4}-${n}`;
      case 'omics':
        return `${prefix}${own}${String(this.nonce).padStart(5, '0')}${String(n).padStart(9, '0')}`;
      case 'cosbatch':
        return `${prefix}${own}${hex4}-${n.toString(36)}`;
      case 'importexport':
        return `${prefix}${own}${hex4.toUpperCase()}${n.toString(36).toUpperCase()}`;
      case 'codepipeline':
        return `${prefix}${own}${hex4}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    }
  }

  /** `perProvider` fresh IDs of `kind` for each of `providers` (default all five), interleaved by provider. */
  mix(
    perProvider: number,
    kind: IdKind,
    providers: readonly BenchProvider[] = PROVIDERS,
  ): string[] {
    const out: string[] = [];
    for (let i = 0; i < perProvider; i++) for (const p of providers) out.push(this.next(p, kind));
    return out;
  }
}

/**
 * `perProvider` distinct global IDs for each of the five providers, interleaved by provider:
 * the provider's demo jobs first (real answers), topped up with unknown IDs (not-found answers).
 */
export function mixedIds(
  perProvider: number,
  unknown: UnknownIdGenerator,
  options: { demo?: boolean } = {},
): string[] {
  const useDemo = options.demo ?? true;
  const columns = PROVIDERS.map((p) => {
    const ids = useDemo ? demoIds(p).slice(0, perProvider) : [];
    while (ids.length < perProvider) ids.push(unknown.next(p));
    return ids;
  });
  const out: string[] = [];
  for (let i = 0; i < perProvider; i++) for (const column of columns) out.push(column[i] as string);
  return out;
}
