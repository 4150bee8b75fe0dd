import { DEMO_DATA, exampleGlobalIds, type EmulatorName } from '../../src/emulators/index.ts';

export const PROVIDERS = ['panorama', 'omics', 'cosbatch', 'importexport', 'codepipeline'] as const satisfies readonly EmulatorName[];

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
 * Makes global IDs that no emulator holds but every emulator answers: each valid for its
 * provider's documented pattern, so the gateway sends it upstream, and the emulator answers
 * not-found (404 ResourceNotFound / NoSuchJob / InvalidJobId / JobNotFound) after its
 * latency, one logged call per ID. Every ID made by one generator is distinct.
 */
export class UnknownIdGenerator {
  private counter = 0;
  private readonly nonce: number;

  constructor(seed: number = Date.now()) {
    this.nonce = seed % 65536;
  }

  next(provider: EmulatorName): string {
    const n = this.counter++;
    const hex4 = this.nonce.toString(16).padStart(4, '0');
    const prefix = prefixOf(provider);
    switch (provider) {
      case 'panorama':
        return `${prefix}pkgimport-bench-${hex4}-${n}`;
      case 'omics':
        // 10-36 digits; leading 97 keeps clear of the demo (811…) and error-case (4xx0…) IDs.
        return `${prefix}97${String(this.nonce).padStart(5, '0')}${String(n).padStart(9, '0')}`;
      case 'cosbatch':
        return `${prefix}bench-${hex4}-${n.toString(36)}`;
      case 'importexport':
        return `${prefix}BENCH${hex4.toUpperCase()}${n.toString(36).toUpperCase()}`;
      case 'codepipeline':
        return `${prefix}beec${hex4}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    }
  }
}

/**
 * `perProvider` distinct global IDs for each of the five providers, interleaved by provider:
 * the provider's demo jobs first (real answers), topped up with unknown IDs (not-found answers).
 */
export function mixedIds(perProvider: number, unknown: UnknownIdGenerator, options: { demo?: boolean } = {}): string[] {
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

/** `perProvider` demo jobs of each provider (real answers only), interleaved by provider. */
export function demoMix(perProvider: number): string[] {
  const columns = PROVIDERS.map((p) => demoIds(p).slice(0, perProvider));
  const out: string[] = [];
  for (let i = 0; i < perProvider; i++) for (const column of columns) if (column[i]) out.push(column[i] as string);
  return out;
}
