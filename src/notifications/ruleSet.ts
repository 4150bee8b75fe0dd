/**
 * Which rules take a job's transition. A rule's columns are parsed once, and the rules read are
 * indexed by trigger, provider, region and (for a text filter) the text's first trigram
 * (`RuleSet`): a transition is matched against the rules that name its trigger, its provider and
 * its region (or none), and whose text's first three characters its job's text holds, so the rules
 * that cannot take it — another trigger, provider, region or text, disabled — cost nothing however
 * many there are.
 */
import type { NotificationTrigger } from './payload.ts';
import type { RuleFilter } from './notifications.ts';
import type { RuleRow } from './ruleStore.ts';
import { holdsPair } from './rulePairs.ts';

/** What a rule's filter and accounts are matched against. */
export interface RuleFacts {
  id: string;
  provider: string;
  account: string;
  region: string | null;
  state: string;
  /** Name, queue and status message: what `text` is found in. */
  text: string;
}

/** A rule's columns parsed (they are matched against every transition). */
export interface ParsedRule {
  triggers: readonly string[];
  /** The (provider, account) pairs it covers, as stored (`PROVIDER/alias`, or `*`: rulePairs.ts). */
  accounts: readonly string[];
  filter: RuleFilter;
  text: string | null;
}

export function parseRule(rule: RuleRow): ParsedRule {
  const filter = JSON.parse(rule.filter) as RuleFilter;
  return {
    triggers: rule.triggers.split(','),
    accounts: JSON.parse(rule.accounts) as string[],
    filter,
    text: filter.text ? filter.text.toLowerCase() : null,
  };
}

/**
 * Whether a rule parsed as `p` holds the job's (provider, account) pair and its filter takes the
 * job (triggers aside).
 */
export function takesJob(p: ParsedRule, job: RuleFacts): boolean {
  const { accounts, filter: f, text } = p;
  if (!holdsPair(accounts, job.provider, job.account)) return false;
  if (f.providers?.length && !f.providers.includes(job.provider)) return false;
  if (f.accounts?.length && !f.accounts.includes(job.account)) return false;
  if (f.regions?.length && (job.region === null || !f.regions.includes(job.region))) return false;
  if (f.states?.length && !f.states.includes(job.state)) return false;
  if (text !== null && !job.text.includes(text)) return false;
  return true;
}

/**
 * Most rules one transition is delivered to: the oldest this many that take it (the order read);
 * the rest are skipped and counted (`jobgraph_notification_rules_skipped_total`), so one job's
 * failure cannot fan out to every rule of an account at once.
 */
export const MOST_RULES_A_TRANSITION = 50;

/** One rule in the index: its row, its parse, and its place among the rules read (their order). */
interface Indexed {
  rule: RuleRow;
  parsed: ParsedRule;
  place: number;
}

/** The rules of one trigger, provider and region: those without text, and those with, by first trigram. */
interface Bucket {
  plain: Indexed[];
  /** Texts shorter than a trigram: examined for every job. */
  short: Indexed[];
  byTrigram: Map<string, Indexed[]>;
}

/** The index's key: a trigger, a provider and a region ('' for the rules that name none). */
const keyOf = (trigger: string, provider: string, region: string) =>
  `${trigger}\n${provider}\n${region}`;

const push = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

/** The enabled rules of one read of the store, indexed by trigger, provider, region and text. */
export class RuleSet {
  readonly #index = new Map<string, Bucket>();
  readonly #byTrigger = new Map<string, RuleRow[]>();
  /** Rules whose filter a lookup tested since this set was made (the rest were never looked at). */
  examined = 0;

  /**
   * `rules` as read (every rule, disabled ones included: they are left out here), each parsed by
   * `parse` (the notifier's keeps a rule's parse while its columns are the same).
   */
  constructor(
    readonly rules: readonly RuleRow[] = [],
    parse: (rule: RuleRow) => ParsedRule = parseRule,
    /** Told how many rules a lookup found beyond MOST_RULES_A_TRANSITION (skipped). */
    private readonly onSkipped?: (count: number) => void,
  ) {
    rules.forEach((rule, place) => {
      if (rule.enabled !== 1) return;
      const parsed = parse(rule);
      const entry = { rule, parsed, place };
      const f = parsed.filter;
      for (const trigger of new Set(parsed.triggers)) {
        push(this.#byTrigger, trigger, rule);
        for (const provider of new Set(f.providers?.length ? f.providers : ['']))
          for (const region of new Set(f.regions?.length ? f.regions : ['']))
            this.#add(keyOf(trigger, provider, region), entry);
      }
    });
  }

  #add(key: string, entry: Indexed): void {
    let bucket = this.#index.get(key);
    if (!bucket) this.#index.set(key, (bucket = { plain: [], short: [], byTrigram: new Map() }));
    const text = entry.parsed.text;
    if (text === null) bucket.plain.push(entry);
    else if (text.length < 3) bucket.short.push(entry);
    else push(bucket.byTrigram, text.slice(0, 3), entry);
  }

  /** The rules that may take `job`'s `trigger` by the index, in the order read (their filters untested). */
  #candidates(job: RuleFacts, trigger: string): Indexed[] {
    const found: Indexed[][] = [];
    let trigrams: Set<string> | null = null;
    for (const provider of [job.provider, ''])
      for (const region of job.region === null ? [''] : [job.region, '']) {
        const bucket = this.#index.get(keyOf(trigger, provider, region));
        if (!bucket) continue;
        found.push(bucket.plain, bucket.short);
        if (bucket.byTrigram.size === 0) continue;
        trigrams ??= trigramsOf(job.text);
        for (const t of trigrams) {
          const list = bucket.byTrigram.get(t);
          if (list) found.push(list);
        }
      }
    const all = found.flat();
    if (found.filter((l) => l.length > 0).length > 1) all.sort((a, b) => a.place - b.place);
    return all;
  }

  /** The enabled rules that take `job`'s `trigger`, in the order read: MOST_RULES_A_TRANSITION at most. */
  matching(job: RuleFacts, trigger: NotificationTrigger): RuleRow[] {
    const candidates = this.#candidates(job, trigger);
    this.examined += candidates.length;
    const taking = candidates.filter((r) => takesJob(r.parsed, job)).map((r) => r.rule);
    if (taking.length <= MOST_RULES_A_TRANSITION) return taking;
    this.onSkipped?.(taking.length - MOST_RULES_A_TRANSITION);
    return taking.slice(0, MOST_RULES_A_TRANSITION);
  }

  /** Whether some enabled rule takes `job`'s `trigger`. */
  any(job: RuleFacts, trigger: NotificationTrigger): boolean {
    for (const r of this.#candidates(job, trigger)) {
      this.examined += 1;
      if (takesJob(r.parsed, job)) return true;
    }
    return false;
  }

  /** The enabled rules naming `trigger`, in the order read. */
  taking(trigger: NotificationTrigger): readonly RuleRow[] {
    return this.#byTrigger.get(trigger) ?? [];
  }
}

/** Every three characters in a row of `text`. */
function trigramsOf(text: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + 3 <= text.length; i++) out.add(text.slice(i, i + 3));
  return out;
}

/**
 * A rule's parse for the STUCK scan and `ruleMatches`, keyed by the rule's ID and kept while its
 * `updated_at` and the columns parsed are the same (the rules are read again, as new row objects,
 * when their version moves and every RULES_ALL_EVERY_MS of notifier.ts; two updates in one millisecond share an
 * `updated_at`, so the columns are compared too). Each read's RuleSet takes its parses from here.
 */
const parsed = new Map<string, { source: RuleRow; p: ParsedRule }>();
export function parsedOf(rule: RuleRow): ParsedRule {
  const kept = parsed.get(rule.id);
  if (kept) {
    const s = kept.source;
    if (
      s === rule ||
      (s.updated_at === rule.updated_at &&
        s.filter === rule.filter &&
        s.triggers === rule.triggers &&
        s.accounts === rule.accounts)
    )
      return kept.p;
  }
  const p = parseRule(rule);
  parsed.set(rule.id, { source: rule, p });
  return p;
}

/** Forget the parses of rules no longer stored (deleted). */
export function keepParsed(rules: readonly RuleRow[]): void {
  if (parsed.size <= rules.length) return;
  const ids = new Set(rules.map((r) => r.id));
  for (const id of parsed.keys()) if (!ids.has(id)) parsed.delete(id);
}

/** Whether `rule` (enabled, holding the job's account, its filter) takes the job's `trigger`. */
export function ruleMatches(rule: RuleRow, job: RuleFacts, trigger: NotificationTrigger): boolean {
  if (rule.enabled !== 1) return false;
  const p = parsedOf(rule);
  return p.triggers.includes(trigger) && takesJob(p, job);
}
