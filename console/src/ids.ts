import { idPrefix } from './format.ts';

/** The providers as people name them, by JobProvider value (from the registry at build time). */
export const PROVIDER_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  JOBGRAPH_ID_GRAMMAR.map((g) => [g.provider, g.label]),
);

/** The providers listJobs can list, in registry order (CodePipeline has no read-only list). */
export const LISTABLE_PROVIDERS: readonly string[] = JOBGRAPH_ID_GRAMMAR.filter(
  (g) => g.listable,
).map((g) => g.provider);

/** One provider's global-ID grammar, its patterns compiled. */
export interface Grammar {
  provider: string;
  prefix: string;
  /** Whether its IDs may name an account by alias after the prefix (`panorama@staging:…`). */
  aliased: boolean;
  parts: readonly { name: string; form: string; re: RegExp }[];
}

/** Every provider's grammar (from the registry at build time), in registry order. */
export const GRAMMARS: readonly Grammar[] = JOBGRAPH_ID_GRAMMAR.map((g) => ({
  provider: g.provider,
  prefix: g.prefix,
  aliased: g.aliased,
  parts: g.parts.map((p) => ({ name: p.name, form: p.form, re: new RegExp(p.pattern) })),
}));

/** `cos:{region}:{uin}:{jobId}`, `panorama[@{account}]:{region}:{jobId}` (as the server writes it). */
export function formOf(g: Grammar): string {
  return [g.prefix + (g.aliased ? '[@{account}]' : ''), ...g.parts.map((p) => `{${p.name}}`)].join(
    ':',
  );
}

/** The grammar whose prefix starts `id` (`panorama:…`, `panorama@staging:…`), if any. */
export function grammarOf(id: string): Grammar | undefined {
  const prefix = idPrefix(id);
  return GRAMMARS.find((g) => g.prefix === prefix);
}

/**
 * A global ID's parts by name, with `account` when it names one by alias (`panorama@staging:…`);
 * null unless it has its grammar's number of parts.
 */
export function partsOf(id: string): Record<string, string> | null {
  const g = grammarOf(id);
  const [head = '', ...values] = id.split(':');
  if (!g || values.length !== g.parts.length) return null;
  const alias = head.slice(g.prefix.length + 1);
  return {
    ...(alias ? { account: alias } : {}),
    ...Object.fromEntries(g.parts.map((p, i) => [p.name, values[i] ?? ''])),
  };
}

/** The forms a region may take (an AWS region such as us-east-1, a Tencent Cloud region such as ap-guangzhou). */
export const REGION_FORMS: readonly { form: string; re: RegExp }[] = [
  ...new Map(
    GRAMMARS.flatMap((g) => g.parts.filter((p) => p.name === 'region')).map((p) => [p.form, p]),
  ).values(),
];

/** What a pasted text names: a console job URL or a global ID comes back as the global ID. */
export function pastedId(text: string): string {
  const trimmed = text.trim();
  const fromUrl = /\/console\/jobs\/([^/?#\s]+)/.exec(trimmed)?.[1];
  if (!fromUrl) return trimmed;
  try {
    return decodeURIComponent(fromUrl);
  } catch {
    return trimmed;
  }
}

/** Most global IDs made for one provider from a native ID (the search asks for them all at once). */
const MAX_TRIES = 8;

/** A provider's global ID for a native ID, as far as the listed sources tell its other parts. */
export interface Candidate {
  provider: string;
  providerName: string;
  /** The grammar written out (`panorama[@{account}]:{region}:{jobId}`). */
  form: string;
  /** Each part before the job ID: what it is. */
  parts: readonly { name: string; form: string }[];
  /** Global IDs made with the native ID and part values the list knows (at most MAX_TRIES): worth trying. */
  ids: readonly string[];
}

/**
 * For a native ID not in the list: each provider whose job-ID pattern it matches (every provider,
 * with no IDs to try, when none does), with its global-ID form, and the global IDs it would have in
 * the places the list knows (`places(provider)`: part values that go together, such as a listed
 * source's region and reference store, or a listed job's region and account).
 */
export function candidatesFor(
  nativeId: string,
  places: (provider: string) => readonly Readonly<Record<string, string>>[],
): Candidate[] {
  const matching = GRAMMARS.filter((g) => g.parts.at(-1)?.re.test(nativeId));
  return (matching.length ? matching : GRAMMARS).map((g) => {
    const others = g.parts.slice(0, -1);
    const ids = new Set<string>();
    if (matching.length) {
      for (const place of [{}, ...places(g.provider)]) {
        const values = others.map((p) => place[p.name]);
        // A place in an account by alias (a listed source's or job's) gives that account's ID.
        const alias = g.aliased && place.account !== 'default' ? place.account : undefined;
        if (values.every((v) => v !== undefined))
          ids.add([alias ? `${g.prefix}@${alias}` : g.prefix, ...values, nativeId].join(':'));
      }
    }
    return {
      provider: g.provider,
      providerName: PROVIDER_NAMES[g.provider] ?? g.provider,
      form: formOf(g),
      parts: others.map((p) => ({ name: p.name, form: p.form })),
      ids: [...ids].slice(0, MAX_TRIES),
    };
  });
}
