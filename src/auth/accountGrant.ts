import type { JobProvider } from '../model/job.ts';
import { DEFAULT_ACCOUNT_ALIAS, DEFAULT_ACCOUNTS_ONLY, type AccountGrant } from './identity.ts';

export { DEFAULT_ACCOUNTS_ONLY, type AccountGrant };

/** The grant entry that reads every account. */
export const ALL_ACCOUNTS = '*';

/** Every account: the grant of a token whose claim holds `*`. */
const EVERY_ACCOUNT: AccountGrant = Object.freeze({
  all: true,
  permits: () => true,
  aliases: Object.freeze([ALL_ACCOUNTS]),
  basis: 'claim' as const,
});

/**
 * No account: the grant of a token without the accounts claim when the claim is required
 * (JOBGRAPH_ACCOUNTS_CLAIM_REQUIRED), refused as `no_claim`.
 */
export const NO_ACCOUNTS: AccountGrant = Object.freeze({
  all: false,
  permits: () => false,
  aliases: Object.freeze([]),
  basis: 'no-claim' as const,
});

/**
 * One account a provider reads, as a grant may name it: its alias (`default` for the default
 * account) and its IDs (AWS: the 12-digit account ID when known; COS: the UIN and the APPID). An
 * alias names its account on every cloud; an ID names it on its own cloud only.
 */
export interface DirectoryEntry {
  readonly provider: JobProvider;
  readonly alias: string;
  readonly ids: readonly string[];
}

/** How tokens name their accounts (JOBGRAPH_ACCOUNTS_CLAIM, JOBGRAPH_ACCOUNT_GROUPS). */
export interface AccountClaimSettings {
  /** The claim read (default `accounts`); a name with dots that is no claim of its own is a path (`realm_access.roles`). */
  claim: string;
  /**
   * Identity-provider groups (or roles) → the grant entries each stands for; null: none. With a
   * mapping, only the groups it names grant anything: any other entry of the claim (`*` and an
   * alias included) is a group nobody mapped, and grants nothing.
   */
  groups: Readonly<Record<string, readonly string[]>> | null;
  /** A token without the claim reads no account (true) or the default accounts (false). */
  required: boolean;
}

/** Where a grant's oddities are reported, once per distinct value. */
export interface GrantLogger {
  info(fields: Record<string, unknown>, message: string): void;
}

/** Distinct oddities remembered (so each is logged once); beyond this many, no more are logged. */
const MAX_REPORTED = 1000;
/** Longest entry echoed in a log line. */
const MAX_SHOWN = 64;

class ClaimedGrant implements AccountGrant {
  readonly all = false;
  readonly basis = 'claim' as const;
  constructor(
    private readonly byProvider: ReadonlyMap<JobProvider, ReadonlySet<string>>,
    readonly aliases: readonly string[],
  ) {}

  permits(provider: JobProvider, alias: string): boolean {
    return this.byProvider.get(provider)?.has(alias) === true;
  }
}

/**
 * Turns a verified token's payload into its {@link AccountGrant}: the claim's entries (a JSON
 * array of strings, or one space-separated string as `scope` is) — with a group mapping, each
 * mapped group replaced by the entries it stands for and every other entry dropped — each entry
 * matched against the configured accounts (`directory()`, read at each resolution so accounts
 * learned after start count). A token without the claim reads nothing when the claim is
 * required, else the default accounts only; an empty list reads nothing; a claim of another type
 * reads nothing. A group the mapping does not name grants nothing; an entry that names no
 * configured account grants nothing and is logged once.
 */
export class AccountGrants {
  readonly #reported = new Set<string>();

  constructor(
    private readonly settings: AccountClaimSettings,
    private readonly directory: () => readonly DirectoryEntry[],
    private readonly logger?: GrantLogger,
  ) {}

  /** The claim this resolver reads, as the start-up summary names it. */
  get claim(): string {
    return this.settings.claim;
  }

  of(payload: Readonly<Record<string, unknown>>): AccountGrant {
    const value = claimValue(payload, this.settings.claim);
    if (value === undefined) return this.settings.required ? NO_ACCOUNTS : DEFAULT_ACCOUNTS_ONLY;
    const entries = this.entriesOf(value);
    if (entries.includes(ALL_ACCOUNTS)) return EVERY_ACCOUNT;
    const byProvider = new Map<JobProvider, Set<string>>();
    const aliases: string[] = [];
    const directory = this.directory();
    for (const entry of entries) {
      let named = false;
      for (const account of directory) {
        if (account.alias !== entry && !account.ids.includes(entry)) continue;
        named = true;
        let readable = byProvider.get(account.provider);
        if (!readable) byProvider.set(account.provider, (readable = new Set()));
        readable.add(account.alias);
        if (!aliases.includes(account.alias)) aliases.push(account.alias);
      }
      if (!named) this.reportOnce(`entry:${entry}`, { entry: shown(entry) }, NAMES_NOTHING);
    }
    const order = (a: string) =>
      a === DEFAULT_ACCOUNT_ALIAS ? -1 : directory.findIndex((d) => d.alias === a);
    aliases.sort((a, b) => order(a) - order(b));
    return new ClaimedGrant(byProvider, Object.freeze(aliases));
  }

  /**
   * The claim's entries; with a mapping, what its groups stand for and nothing else. Identity
   * providers let users or admins of other apps create groups, so a group named `*` or `staging`
   * that the operator did not map must not be read as that entry.
   */
  private entriesOf(value: unknown): string[] {
    let raw: string[];
    if (typeof value === 'string') raw = value.split(/\s+/).filter(Boolean);
    else if (Array.isArray(value)) raw = value.filter((v): v is string => typeof v === 'string');
    else {
      this.reportOnce(`type:${typeof value}`, { claim: this.settings.claim }, NOT_A_LIST);
      return [];
    }
    const groups = this.settings.groups;
    if (!groups) return raw;
    // Unmapped groups are not logged: a user's token lists every group it belongs to, most of
    // them nothing to do with jobs.
    return raw.flatMap((entry) => (Object.hasOwn(groups, entry) ? groups[entry]! : []));
  }

  private reportOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.#reported.has(key) || this.#reported.size >= MAX_REPORTED) return;
    this.#reported.add(key);
    this.logger?.info({ claim: this.settings.claim, ...fields }, message);
  }
}

const NAMES_NOTHING =
  'a token names an account that is not configured: that entry grants nothing (logged once per entry)';
const NOT_A_LIST =
  "a token's accounts claim is neither a list nor a space-separated string: it grants no account (logged once)";

const shown = (entry: string) =>
  entry.length > MAX_SHOWN ? `${entry.slice(0, MAX_SHOWN)}…` : entry;

/**
 * The claim's value: the claim of that exact name (a namespaced claim such as
 * `https://example.com/accounts`), else, for a name with dots, the path through nested objects
 * (Keycloak's `realm_access.roles`); undefined when absent.
 */
export function claimValue(payload: Readonly<Record<string, unknown>>, claim: string): unknown {
  if (Object.hasOwn(payload, claim)) return payload[claim];
  if (!claim.includes('.')) return undefined;
  let value: unknown = payload;
  for (const part of claim.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
