/**
 * Which rules take a job's transition. A rule's columns are parsed once, and the rules read are
 * indexed by trigger and provider (`RuleSet`): a transition is matched against the rules that
 * name its trigger and its provider (or no provider), so the rules that cannot take it — another
 * trigger, another provider, disabled — cost nothing however many there are.
 */
import type { NotificationTrigger } from './payload.ts';
import type { RuleFilter } from './notifications.ts';
import type { RuleRow } from './ruleStore.ts';

/** What a rule's filter and accounts are matched against. */
export interface JobFacts {
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

/** Whether a rule parsed as `p` holds the job's account and its filter takes the job (triggers aside). */
export function takesJob(p: ParsedRule, job: JobFacts): boolean {
  const { accounts, filter: f, text } = p;
  if (!accounts.includes('*') && !accounts.includes(job.account)) return false;
  if (f.providers?.length && !f.providers.includes(job.provider)) return false;
  if (f.accounts?.length && !f.accounts.includes(job.account)) return false;
  if (f.regions?.length && (job.region === null || !f.regions.includes(job.region))) return false;
  if (f.states?.length && !f.states.includes(job.state)) return false;
  if (text !== null && !job.text.includes(text)) return false;
  return true;
}

/** One rule in the index: its row, its parse, and its place among the rules read (their order). */
interface Indexed {
  rule: RuleRow;
  parsed: ParsedRule;
  place: number;
}

/** The index's key: a trigger and a provider ('' for the rules that name none). */
const keyOf = (trigger: string, provider: string) => `${trigger}\n${provider}`;

/** The enabled rules of one read of the store, indexed by trigger and provider. */
export class RuleSet {
  readonly #index = new Map<string, Indexed[]>();

  /**
   * `rules` as read (every rule, disabled ones included: they are left out here), each parsed by
   * `parse` (the notifier's keeps a rule's parse while its columns are the same).
   */
  constructor(
    readonly rules: readonly RuleRow[] = [],
    parse: (rule: RuleRow) => ParsedRule = parseRule,
  ) {
    rules.forEach((rule, place) => {
      if (rule.enabled !== 1) return;
      const parsed = parse(rule);
      const providers = parsed.filter.providers?.length ? parsed.filter.providers : [''];
      for (const trigger of new Set(parsed.triggers))
        for (const provider of new Set(providers)) {
          const key = keyOf(trigger, provider);
          const list = this.#index.get(key);
          if (list) list.push({ rule, parsed, place });
          else this.#index.set(key, [{ rule, parsed, place }]);
        }
    });
  }

  /** The enabled rules that take `job`'s `trigger`, in the order read. */
  matching(job: JobFacts, trigger: NotificationTrigger): RuleRow[] {
    const named = this.#index.get(keyOf(trigger, job.provider)) ?? [];
    const any = this.#index.get(keyOf(trigger, '')) ?? [];
    const taken = [...named, ...any].filter((r) => takesJob(r.parsed, job));
    if (named.length > 0 && any.length > 0) taken.sort((a, b) => a.place - b.place);
    return taken.map((r) => r.rule);
  }

  /** Whether some enabled rule takes `job`'s `trigger`. */
  any(job: JobFacts, trigger: NotificationTrigger): boolean {
    const take = (r: Indexed) => takesJob(r.parsed, job);
    return (
      (this.#index.get(keyOf(trigger, job.provider))?.some(take) ?? false) ||
      (this.#index.get(keyOf(trigger, ''))?.some(take) ?? false)
    );
  }
}
