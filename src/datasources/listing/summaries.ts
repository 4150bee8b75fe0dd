import type { AnyKeyOf } from '../../model/keys.ts';
import { PATTERNS } from '../../config/patterns.ts';
import { formatKey, nativeIdOfKey, type KeyGrammar } from '../../model/keyGrammar.ts';
import {
  isTerminalState,
  type JobProvider,
  type JobRecord,
  type JobState,
} from '../../model/job.ts';
import type { Keyed, StreamPage } from './merge.ts';
import type { ListedJob } from './types.ts';

/**
 * A listed job in the merge: the job, its place in the merged order, and for Import/Export the
 * summary's `IsCanceled` (a `states` filter needs it).
 */
export interface Listed extends Keyed {
  job: ListedJob;
  isCanceled?: boolean | null;
  /**
   * When the snapshot it was handed out from was read (`Snapshot.takenAt`, on the snapshots'
   * clock): set by the snapshot streams, never kept in a snapshot. The job-state overlay lets a
   * row read after an event stand (jobStates.ts `overlay`).
   */
  readAt?: number;
  /** The row as its provider listed it, when `job` is that row made as fresh as the events applied. */
  asRead?: ListedJob;
  /**
   * The job's whole describe record, when the list code read it to make the row (a HealthOmics
   * run, omics/run/listing.ts): the row is that record, and nothing looks the job up again.
   */
  record?: JobRecord;
}

/** A time of a summary as the describe record has it: ISO-8601 UTC, or null. */
export const isoOrNull = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** The `state` and `terminal` fields of a record in `state` (none while it is unknown). */
export function stateFields(state: JobState | null): Partial<JobRecord> {
  return state === null ? {} : { state, terminal: isTerminalState(state) };
}

/** What a list summary says of the `Job` fields every provider has: its state and times. */
export interface SummaryHeader {
  /** null while the summary carries no status. */
  state: JobState | null;
  createdAt: Date;
  /**
   * null where the summary does not say (the record's field is then null until described);
   * completedAt absent: the summary cannot tell (a run batch's), so both times are left out and
   * the describe path answers them.
   */
  updatedAt: Date | null;
  completedAt?: Date | null;
}

/**
 * A list summary as a listed job: the `Job` fields from the key (global ID, provider, native ID,
 * region) and `header`, then the provider's `fields` (its listing.ts), each under the name and
 * in the form its describe record (parse.ts) gives it. Fields the summary lacks are left out, so
 * the describe path answers them; a key of a further kind (`Provider.kinds`: a service job)
 * gives the summary its `kind`; a record field the summary holds only part of (COS
 * `operation`, only its name) is left out too. No summary holds a secret field: the sensitive
 * fields are all describe-only. A summary whose job ID (the key's last part) does not match the
 * provider's documented pattern cannot be named by a global ID (the describe path would refuse
 * it): such a job is left out (null). `account`: the AWS alias listed, absent for the default.
 */
export function listed<P extends JobProvider>(
  grammar: KeyGrammar<P>,
  key: AnyKeyOf<P>,
  header: SummaryHeader,
  fields: Partial<JobRecord>,
  account?: string,
): Listed | null {
  // An AWS account other than the default is named in the key (its alias), so in the global ID.
  const named: AnyKeyOf<P> = account === undefined ? key : { ...key, account };
  const { nativeId, pattern } = nativeIdOfKey(grammar, named);
  if (!PATTERNS[pattern].re.test(nativeId)) return null;
  const id = formatKey(grammar, named);
  const { state, createdAt } = header;
  const createdAtIso = createdAt.toISOString();
  return {
    createdMs: createdAt.getTime(),
    id,
    job: {
      key: named,
      id,
      provider: named.provider,
      createdAt: createdAtIso,
      state,
      summary: {
        id,
        provider: named.provider,
        // A further kind's row carries its key's kind as its record does (JobRecord `kind`, no
        // schema field): type resolution, the job-state store and kindOf read it.
        ...(named.kind !== undefined ? { kind: named.kind } : {}),
        ...stateFields(state),
        nativeId,
        region: 'region' in named ? named.region : null,
        createdAt: createdAtIso,
        ...(header.completedAt === undefined
          ? {}
          : {
              updatedAt: isoOrNull(
                header.updatedAt ??
                  (state !== null && isTerminalState(state) ? header.completedAt : null),
              ),
              completedAt: isoOrNull(header.completedAt),
            }),
        ...fields,
      },
    },
  };
}

/** Each parsed list answer's page of listed jobs, while the answer lives. */
const pagesOfAnswers = new WeakMap<object, StreamPage<Listed>>();

/**
 * The listed jobs of a parsed list `answer`, built by `build` once for that answer object. A
 * watched source's page whose body did not change is the last parse again, the very object
 * (shared/answerMemo.ts): its summaries are then the last pass's, not built again (a big account's
 * pass would otherwise build thousands of summaries equal to the last ones). A page and its items
 * are never changed by their readers (the merge slices, a snapshot copies).
 */
export function pageOnce(answer: object, build: () => StreamPage<Listed>): StreamPage<Listed> {
  let page = pagesOfAnswers.get(answer);
  if (!page) pagesOfAnswers.set(answer, (page = build()));
  return page;
}
