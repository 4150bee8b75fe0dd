import { createHash } from 'node:crypto';
import { MAX_OMICS_REFERENCE_STORES, type Config } from '../../config/index.ts';
import { BadUserInputError } from '../../errors.ts';
import { JOB_PROVIDERS, JOB_STATES, type JobProvider } from '../../model/job.ts';
import { DEFAULT_ACCOUNT, PATTERNS } from '../../config/patterns.ts';
import { regionPatternOf } from '../../model/keyGrammar.ts';
import { PROVIDERS, providerOf } from '../registry.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';
import type { AnyProvider } from '../shared/provider.ts';
import { knownStoresOf } from './filter.ts';
import type { JobListFilter, ListAccess, ListPlan } from './types.ts';

export type { ListPlan } from './types.ts';

/** Most regions one `listJobs` filter names. */
export const MAX_LIST_REGIONS = 10;

/**
 * The region families a provider's jobs live in, by the pattern of its key's `region` part
 * (model/keyGrammar.ts): where a plan keeps its regions, and the configured default.
 */
const FAMILIES = {
  awsRegion: { regions: 'awsRegions', default: 'awsRegion' },
  cosRegion: { regions: 'cosRegions', default: 'cosRegion' },
} as const satisfies Partial<
  Record<keyof typeof PATTERNS, { regions: keyof ListPlan; default: keyof PlanDefaults }>
>;
type Family = keyof typeof FAMILIES;

/** The family a provider's jobs live in; null for a global service. */
function familyOf(provider: AnyProvider): Family | null {
  const pattern = regionPatternOf(provider.key);
  if (pattern === null) return null;
  if (!(pattern in FAMILIES)) throw new TypeError(`no region family for ${pattern}`);
  return pattern as Family;
}

/**
 * The regions a plan lists `provider` in: its family's (a regional service), or `[null]` for a
 * global service, listed whatever the regions.
 */
export function regionsOf(plan: ListPlan, provider: AnyProvider): readonly (string | null)[] {
  const family = familyOf(provider);
  return family === null ? [null] : plan[FAMILIES[family].regions];
}

/** "AWS Panorama, AWS HealthOmics and AWS CodePipeline take an AWS region such as us-east-1; …" */
const REGION_FORMS = (Object.keys(FAMILIES) as Family[])
  .map((family) => {
    const labels = PROVIDERS.filter((p) => familyOf(p) === family).map(
      (p) => PROVIDER_LABEL[p.name],
    );
    const names =
      labels.length > 1 ? `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}` : labels[0];
    return `${names} ${labels.length > 1 ? 'take' : 'takes'} ${PATTERNS[family].form}`;
  })
  .join('; ');

/** The configured defaults a filter falls back on. */
export interface PlanDefaults {
  awsRegion: string;
  cosRegion: string;
  /**
   * Each provider's accounts besides the default one, by alias, in the order configured
   * (`ProviderSetup.accountAliases`); a provider left out has none.
   */
  accounts?: Readonly<Partial<Record<JobProvider, readonly string[]>>>;
}

/** The defaults of `config`: its regions, and each provider's configured accounts. */
export function planDefaults(
  config: Pick<Config, 'awsRegion' | 'tencent' | 'awsAccounts'>,
): PlanDefaults {
  const accounts: Partial<Record<JobProvider, readonly string[]>> = {};
  for (const p of PROVIDERS) accounts[p.name] = p.setup.accountAliases(config as Config);
  return { awsRegion: config.awsRegion, cosRegion: config.tencent.region, accounts };
}

/**
 * The accounts a plan lists `provider` in: the asked ones it has (the default account always)
 * and the caller may read there, in the plan's order.
 */
export function accountsOf(plan: ListPlan, provider: AnyProvider): readonly string[] {
  return plan.accountsOf[provider.name] ?? [];
}

/** Every account: the gateway's own passes (list-assisted watching). */
const EVERY_ACCOUNT: ListAccess = {
  grant: { all: true, permits: () => true },
  refuse: () => new TypeError('a grant of every account refuses none'),
};

/**
 * The filter's accounts, checked against the configuration and the caller's grant. A caller
 * reading every account hears which aliases are configured (BAD_USER_INPUT); any other caller
 * gets `refuse`'s FORBIDDEN for an alias it may not read on any provider, configured or not, so
 * a refusal tells nothing of which accounts exist.
 */
function plannedAccounts(
  askedAccounts: readonly string[],
  configured: readonly string[],
  { grant, refuse }: ListAccess,
): string[] {
  const readable = (alias: string) =>
    grant.all || PROVIDERS.some((p) => grant.permits(p.name, alias));
  askedAccounts.forEach((alias, i) => {
    if (!grant.all) {
      if (configured.includes(alias) && readable(alias)) return;
      throw refuse(null, alias);
    }
    if (configured.includes(alias)) return;
    const shown = JSON.stringify(alias.length > 64 ? `${alias.slice(0, 64)}…` : alias);
    bad(
      `filter.accounts[${i}]`,
      `has ${shown}, which is no configured account: ${configured.join(', ')} (JOBGRAPH_AWS_ACCOUNTS, JOBGRAPH_TENCENT_ACCOUNTS; \`default\` is the default account).`,
    );
  });
  return configured.filter(
    (alias) => (askedAccounts.length === 0 || askedAccounts.includes(alias)) && readable(alias),
  );
}

const bad = (argument: string, message: string): never => {
  throw new BadUserInputError(`Argument "${argument}" ${message}`, { argument });
};

/** A list without duplicates; an empty or absent one is null (no filter). */
function distinct<T>(values: readonly T[] | undefined): T[] | null {
  if (!values || values.length === 0) return null;
  return [...new Set(values)];
}

function time(value: string | undefined, argument: string): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    bad(argument, 'must be an ISO-8601 date-time such as 2026-05-01T00:00:00Z.');
  return ms;
}

const served = (pattern: (typeof PATTERNS)['awsRegion' | 'cosRegion'], region: string) =>
  pattern.re.test(region) && pattern.served.test(region);

/** `filter.regions` checked and split by family; without regions, each asked family's configured one. */
function plannedRegions(
  asked: readonly string[] | undefined,
  providers: readonly JobProvider[],
  defaults: PlanDefaults,
): Record<Family, string[]> {
  if (asked && asked.length > MAX_LIST_REGIONS)
    bad('filter.regions', `names at most ${MAX_LIST_REGIONS} regions; got ${asked.length}.`);
  const regions = distinct(asked);
  const families = new Set(providers.map((p) => familyOf(providerOf(p))));
  const byFamily: Record<Family, string[]> = { awsRegion: [], cosRegion: [] };
  for (const family of Object.keys(byFamily) as Family[]) {
    if (!families.has(family)) continue;
    if (regions === null) byFamily[family] = [defaults[FAMILIES[family].default]];
    else byFamily[family] = regions.filter((region) => served(PATTERNS[family], region)).sort();
  }
  for (const region of regions ?? []) {
    if (Object.values(byFamily).some((listed) => listed.includes(region))) continue;
    const shown = JSON.stringify(region.length > 64 ? `${region.slice(0, 64)}…` : region);
    bad('filter.regions', `has ${shown}, which no asked provider serves: ${REGION_FORMS}.`);
  }
  return byFamily;
}

/** `filter.omicsReferenceStoreIds` checked, distinct and sorted; null without a filter. */
function plannedStores(asked: readonly string[] | undefined): string[] | null {
  if (asked && asked.length > MAX_OMICS_REFERENCE_STORES)
    bad(
      'filter.omicsReferenceStoreIds',
      `names at most ${MAX_OMICS_REFERENCE_STORES} reference stores; got ${asked.length}.`,
    );
  const stores = distinct(asked)?.sort() ?? null;
  for (const id of stores ?? [])
    if (!PATTERNS.omicsId.re.test(id))
      bad(
        'filter.omicsReferenceStoreIds',
        `must hold reference store IDs of ${PATTERNS.omicsId.form}.`,
      );
  return stores;
}

/**
 * The accounts a plan lists (`filter.accounts` within the configured ones and the caller's
 * access), and per asked provider those it has and the grant permits; `narrowed` when the grant
 * left some out.
 */
function accountsByProvider(
  asked: readonly string[],
  providers: readonly JobProvider[],
  defaults: PlanDefaults,
  access: ListAccess,
) {
  const accountsOfProviders = defaults.accounts ?? {};
  const configured = [DEFAULT_ACCOUNT];
  for (const p of PROVIDERS)
    for (const alias of accountsOfProviders[p.name] ?? [])
      if (!configured.includes(alias)) configured.push(alias);
  const accounts = plannedAccounts(asked, configured, access);
  const byProvider: Partial<Record<JobProvider, readonly string[]>> = {};
  let narrowed = false;
  for (const p of providers) {
    const has = accountsOfProviders[p] ?? [];
    const ofProvider = accounts.filter((a) => a === DEFAULT_ACCOUNT || has.includes(a));
    byProvider[p] = ofProvider.filter((a) => access.grant.permits(p, a));
    if (byProvider[p].length !== ofProvider.length) narrowed = true;
  }
  return { configured, accounts, byProvider, narrowed };
}

/**
 * Check and normalise a filter, before any upstream call. Regions: each is used for the asked
 * providers whose regions it is one of (an AWS region, a Tencent Cloud region: the pattern of a
 * provider's key's `region` part); one that no asked provider serves is BAD_USER_INPUT. Without
 * regions, the configured ones. A global service (Import/Export) is listed whenever it is asked,
 * whatever the regions. Throws BadUserInputError naming the argument.
 */
export function planList(
  filter: JobListFilter,
  defaults: PlanDefaults,
  access: ListAccess = EVERY_ACCOUNT,
): ListPlan {
  const askedProviders = distinct(filter.providers);
  for (const p of askedProviders ?? [])
    if (!JOB_PROVIDERS.includes(p)) bad('filter.providers', `has an unknown provider.`);
  const providers = JOB_PROVIDERS.filter((p) => !askedProviders || askedProviders.includes(p));

  const states = distinct(filter.states);
  for (const s of states ?? [])
    if (!JOB_STATES.includes(s)) bad('filter.states', 'has an unknown state.');

  const { awsRegion: awsRegions, cosRegion: cosRegions } = plannedRegions(
    filter.regions,
    providers,
    defaults,
  );
  const createdAfterMs = time(filter.createdAfter, 'filter.createdAfter');
  const createdBeforeMs = time(filter.createdBefore, 'filter.createdBefore');
  const stores = plannedStores(filter.omicsReferenceStoreIds);
  const { configured, accounts, byProvider, narrowed } = accountsByProvider(
    filter.accounts ?? [],
    providers,
    defaults,
    access,
  );

  const stateList = states ? JOB_STATES.filter((s) => states.includes(s)) : null;
  const digested: unknown[] = [
    providers,
    stateList,
    awsRegions,
    cosRegions,
    createdAfterMs,
    createdBeforeMs,
    stores,
  ];
  const categories = distinct(filter.failureCategories);
  // Only with categories: a cursor made without them stays good.
  if (categories) digested.push([...categories].sort());
  // Only the default account: today's digest, so a cursor of a configuration without accounts stays good.
  if (configured.length > 1 || accounts.length !== configured.length) digested.push(accounts);
  // A grant that reads an alias on one cloud only lists other sources: its cursors are its own.
  if (narrowed) digested.push(byProvider);
  const digest = createHash('sha256')
    .update(JSON.stringify(digested))
    .digest('base64url')
    .slice(0, 22);
  return {
    providers,
    states: stateList ? new Set(stateList) : null,
    failureCategories: categories ? new Set(categories) : null,
    awsRegions,
    cosRegions,
    createdAfterMs,
    createdBeforeMs,
    omicsReferenceStoreIds: stores,
    accounts,
    accountsOf: byProvider,
    digest,
  };
}

/**
 * How many list sources (provider × account × region × HealthOmics reference store) a plan
 * reads, known before any upstream call: a listable provider's sources in each of its asked
 * accounts and regions (one region for a global service), none for a provider without a list
 * (never called: NOT_LISTABLE). HealthOmics counts the filter's stores, else the configured ones
 * (`knownStores`, the default account's), else one per region for now — the stores a region's
 * ListReferenceStores finds are counted when found (its `sources`).
 */
export function listSourceCount(plan: ListPlan, knownStores: readonly string[] | null): number {
  return plan.providers.reduce((n, name) => {
    const provider = providerOf(name);
    const { list } = provider;
    if (!list) return n;
    const regions = regionsOf(plan, provider).length;
    return accountsOf(plan, provider).reduce(
      (m, account) =>
        m + regions * (list.sourcesPerRegion?.(plan, knownStoresOf(account, knownStores)) ?? 1),
      n,
    );
  }, 0);
}
