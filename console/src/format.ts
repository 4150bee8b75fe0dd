import { JOB_STATES } from '../../src/model/job.ts';

/** The states, in lifecycle order (the graph's `JobState`). */
export const STATES = JOB_STATES;

/** A state as words ("SUCCEEDED_WITH_ERRORS" → "Succeeded with errors"). */
export function stateLabel(state: string): string {
  const words = state.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** What a public error code means, in a few words for a banner or a row. */
const CODE_WORDS: Readonly<Record<string, string>> = {
  UPSTREAM_THROTTLED: 'throttled',
  UPSTREAM_UNAVAILABLE: 'unavailable',
  UPSTREAM_ACCESS_DENIED: 'access denied',
  UPSTREAM_BAD_RESPONSE: 'bad response',
  PROVIDER_NOT_CONFIGURED: 'not configured',
  NOT_FOUND: 'not found',
  FORBIDDEN: 'not allowed for this token',
  BAD_USER_INPUT: 'bad input',
};

export function codeWords(code: string | null | undefined): string {
  return (code && CODE_WORDS[code]) ?? code ?? 'failed';
}

/** `2026-11-24 06:22:33 UTC`: the absolute time shown on hover. */
export function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** "just now", "5 min ago", "3 h ago", "12 days ago" (or "in 5 min" for a clock ahead of ours). */
export function relative(iso: string, nowMs: number): string {
  const seconds = Math.round((nowMs - Date.parse(iso)) / 1000);
  const abs = Math.abs(seconds);
  let text: string;
  if (abs < 45) return 'just now';
  if (abs < 3600) text = `${Math.round(abs / 60)} min`;
  else if (abs < 86_400) text = `${Math.round(abs / 3600)} h`;
  else {
    const days = Math.round(abs / 86_400);
    text = `${days} ${days === 1 ? 'day' : 'days'}`;
  }
  return seconds >= 0 ? `${text} ago` : `in ${text}`;
}

/** The states in the order a triage reads them: what went wrong first, what is done last. */
export const TRIAGE_ORDER: readonly string[] = [
  'FAILED',
  'SUCCEEDED_WITH_ERRORS',
  'PAUSED',
  'CANCELLING',
  'IN_PROGRESS',
  'QUEUED',
  'CANCELLED',
  'SUCCEEDED',
  'UNKNOWN',
];

/** A span of time in words, to the second under an hour: "42 s", "4 min 12 s", "2 h 5 min", "3 days 4 h". */
export function spanWords(ms: number, coarse = false): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return coarse ? 'under 1 min' : `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return coarse || s % 60 === 0 ? `${min} min` : `${min} min ${s % 60} s`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const days = Math.floor(h / 24);
  return `${days} ${days === 1 ? 'day' : 'days'}${h % 24 ? ` ${h % 24} h` : ''}`;
}

/** ISO-8601 duration in whole seconds (`PT252S`), for a `<time datetime>`. */
export function isoDuration(ms: number): string {
  return `PT${Math.max(0, Math.round(ms / 1000))}S`;
}

/**
 * How long a job took, or has taken so far. No provider reports when a job started running, so a
 * span runs from `createdAt` to `completedAt`; an unfinished job's runs to `nowMs` (`running`).
 * Null when the provider gives no creation time, or a finished job no completion time.
 */
export function jobSpan(
  job: { createdAt?: unknown; completedAt?: unknown; terminal?: unknown },
  nowMs: number,
): { ms: number; from: string; to: string | null; running: boolean } | null {
  const from = typeof job.createdAt === 'string' ? job.createdAt : null;
  if (!from) return null;
  const to = typeof job.completedAt === 'string' ? job.completedAt : null;
  if (to) return { ms: Date.parse(to) - Date.parse(from), from, to, running: false };
  if (job.terminal === true) return null;
  return { ms: nowMs - Date.parse(from), from, to: null, running: true };
}

/** The account alias a global ID carries (`panorama@staging:…` → `staging`); null for the default account's. */
export function accountAlias(id: string): string | null {
  const head = id.slice(0, id.indexOf(':'));
  const at = head.indexOf('@');
  return at < 0 ? null : head.slice(at + 1);
}

/** A global ID's provider prefix without its account alias (`panorama@staging:…` → `panorama`). */
export function idPrefix(id: string): string {
  return id.slice(0, id.indexOf(':')).replace(/@.*$/, '');
}

/**
 * A job's account in words: its alias (`Job.accountAlias`: `default` for the default account),
 * then its ID (12-digit AWS account, COS APPID): "staging · 210987654321",
 * "default · 123456789012". A job read without `accountAlias` takes the alias its global ID
 * carries, if any. Null when neither is known.
 */
export function accountText(job: {
  id: string;
  account?: unknown;
  accountAlias?: unknown;
}): string | null {
  const alias =
    typeof job.accountAlias === 'string' && job.accountAlias
      ? job.accountAlias
      : accountAlias(job.id);
  const account = typeof job.account === 'string' && job.account ? job.account : null;
  return [alias, account].filter(Boolean).join(' · ') || null;
}

/** The row's job, as the list query selects it. */
export interface RowJob {
  __typename: string;
  id: string;
  provider: string;
  /** The account ID (12-digit AWS account, COS APPID); null when jobgraph does not know it. */
  account: string | null;
  /** The account's alias, `default` for the default account. */
  accountAlias: string;
  nativeId: string;
  /** The name the provider gives the job (`Job.name`); null where it gives none. */
  name: string | null;
  region: string | null;
  state: string;
  providerStatus: string | null;
  statusMessage: string | null;
  terminal: boolean;
  createdAt: string | null;
  updatedAt: string | null;
  completedAt: string | null;
  /** How jobgraph follows the job while watched: EVENTS or POLLING (docs/events.md). */
  liveBy?: string;
  progressSummary?: {
    totalNumberOfTasks: number | null;
    numberOfTasksSucceeded: number | null;
    numberOfTasksFailed: number | null;
  } | null;
  failureReasons?: readonly { failureCode: string | null; failureReason: string | null }[] | null;
  /** Why it failed or was cancelled (`Job.failure`), by its provider's rules; null otherwise. */
  failure?: { category: string; summary: string } | null;
  sources?:
    | readonly {
        status: string | null;
        statusMessage?: string | null;
        sourceFile?: string | null;
      }[]
    | null;
}

/** Progress where the provider reports it: COS Batch task counts, HealthOmics sources. */
export function progress(
  job: Pick<RowJob, 'progressSummary' | 'sources'>,
): { done: number; total: number; text: string } | null {
  const p = job.progressSummary;
  if (p && p.totalNumberOfTasks) {
    const ok = p.numberOfTasksSucceeded ?? 0;
    const failed = p.numberOfTasksFailed ?? 0;
    const text = `${ok + failed} / ${p.totalNumberOfTasks} tasks${failed ? ` (${failed} failed)` : ''}`;
    return { done: ok + failed, total: p.totalNumberOfTasks, text };
  }
  if (job.sources && job.sources.length > 0) {
    const finished = job.sources.filter((s) => s.status === 'FINISHED' || s.status === 'FAILED');
    const failed = job.sources.filter((s) => s.status === 'FAILED').length;
    const total = job.sources.length;
    const text = `${finished.length} / ${total} sources${failed ? ` (${failed} failed)` : ''}`;
    return { done: finished.length, total, text };
  }
  return null;
}

/** The states in which a job went wrong, whose reason a row and a job page put first. */
export const FAILED_STATES: readonly string[] = ['FAILED', 'SUCCEEDED_WITH_ERRORS'];

/** What a job's failure reasons are read from: its status message and the reasons its provider lists. */
export type FailureFields = Pick<RowJob, 'statusMessage' | 'failureReasons' | 'sources'>;

/**
 * Why a job went wrong, in the provider's words, most telling first: its status message, then each
 * reason the provider lists besides (COS Batch's failure reasons, HealthOmics' failed sources with
 * their files), each said once. Empty when the provider says nothing.
 */
export function failureReasons(job: FailureFields): string[] {
  const reasons: string[] = [];
  const add = (text: string | null | undefined) => {
    const t = text?.trim();
    if (t && !reasons.some((r) => r.includes(t))) reasons.push(t);
  };
  add(job.statusMessage);
  for (const f of job.failureReasons ?? [])
    add(
      f.failureCode && f.failureReason ? `${f.failureCode}: ${f.failureReason}` : f.failureReason,
    );
  for (const s of job.sources ?? []) {
    if (s.status === 'FAILED' && s.statusMessage)
      add(s.sourceFile ? `${s.sourceFile}: ${s.statusMessage}` : s.statusMessage);
  }
  return reasons;
}

/** A Unix time in seconds as the ISO-8601 UTC time the graph's DateTime fields carry; null if it is not one. */
export function isoOfEpochSeconds(seconds: number): string | null {
  const ms = seconds * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}
