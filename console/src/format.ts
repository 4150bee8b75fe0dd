import { JOB_STATES } from '../../src/model/job.ts';

/** The providers as people name them. */
export const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  AWS_PANORAMA: 'AWS Panorama',
  AWS_OMICS: 'AWS HealthOmics',
  TENCENT_COS_BATCH: 'COS Batch',
  AWS_IMPORT_EXPORT: 'AWS Import/Export',
  AWS_CODEPIPELINE: 'AWS CodePipeline',
};

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

/** The row's job, as the list query selects it. */
export interface RowJob {
  __typename: string;
  id: string;
  provider: string;
  nativeId: string;
  region: string | null;
  state: string;
  providerStatus: string | null;
  statusMessage: string | null;
  terminal: boolean;
  createdAt: string | null;
  updatedAt: string | null;
  progressSummary?: {
    totalNumberOfTasks: number | null;
    numberOfTasksSucceeded: number | null;
    numberOfTasksFailed: number | null;
  } | null;
  sources?: readonly { status: string | null }[] | null;
}

/** Progress where the provider reports it: COS Batch task counts, HealthOmics sources. */
export function progress(job: RowJob): { done: number; total: number; text: string } | null {
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
