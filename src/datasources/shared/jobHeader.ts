import type { JobKey, AnyKeyOf } from '../../model/keys.ts';
import { formatKey, type KeyGrammar } from '../../model/keyGrammar.ts';
import { isTerminalState, mapState, type JobRecord, type JobState } from '../../model/job.ts';
import { str } from './json.ts';

/** What a provider's parse step decides about the `Job` fields; the rest comes from the key. */
export interface JobHeaderParts {
  /** The provider's own job ID as the answer carried it (else the key's). */
  nativeId: string;
  /** The name the provider gives the job (`Job.name`); null where it gives none. */
  name: string | null;
  state: JobState;
  providerStatus: string | null;
  statusMessage: string | null;
  /** ISO-8601 UTC, like the other two times. */
  createdAt: string | null;
  /** When the job last changed; null where the provider does not say (a finished job's: completedAt). */
  updatedAt: string | null;
  completedAt: string | null;
}

/** The `Job` fields of a record for `K`'s provider: `provider` is the key's, `region` is null for a global service. */
export type JobHeader<K extends JobKey> = JobRecord & {
  provider: K['provider'];
  region: K extends { region: string } ? string : null;
};

/**
 * The `Job` interface fields every provider's record starts with: the global ID (in the
 * provider's `grammar`) and provider from the key, the region from the key (null for a global
 * service), `terminal` from the state.
 */
export function jobHeader<K extends JobKey>(
  grammar: KeyGrammar<K['provider']>,
  key: K,
  parts: JobHeaderParts,
): JobHeader<K> {
  const header: JobRecord = {
    id: formatKey(grammar, key as unknown as AnyKeyOf<K['provider']>),
    provider: key.provider,
    nativeId: parts.nativeId,
    name: parts.name,
    region: 'region' in key ? key.region : null,
    state: parts.state,
    providerStatus: parts.providerStatus,
    statusMessage: parts.statusMessage,
    terminal: isTerminalState(parts.state),
    createdAt: parts.createdAt,
    updatedAt: lastChangedAt(parts),
    completedAt: parts.completedAt,
  };
  return header as JobHeader<K>;
}

/**
 * When the job last changed as its provider says it: the provider's own update time, else a
 * finished job's completion (nothing changes after it); null where the provider says neither.
 */
function lastChangedAt(
  parts: Pick<JobHeaderParts, 'state' | 'updatedAt' | 'completedAt'>,
): string | null {
  return parts.updatedAt ?? (isTerminalState(parts.state) ? parts.completedAt : null);
}

/**
 * A JSON describe answer's status member (a string, `field` naming it in errors) and the state
 * the provider's `table` maps it to: the two header parts every JSON provider reads first.
 */
export function jsonStatus(
  status: unknown,
  field: string,
  table: Readonly<Record<string, JobState>>,
): Pick<JobHeaderParts, 'providerStatus' | 'state'> {
  const providerStatus = str(status, field);
  return { providerStatus, state: mapState(table, providerStatus) };
}
