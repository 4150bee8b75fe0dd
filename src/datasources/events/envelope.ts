import type { Config, EventQueue } from '../../config/index.ts';
import type { JobProvider } from '../../model/job.ts';
import { PROVIDERS } from '../registry.ts';
import type { AwsAccounts } from '../shared/accounts.ts';
import { OverlongField } from '../shared/eventFields.ts';
import type { AnyProvider, EventMeaning, EventPlace } from '../shared/provider.ts';

/**
 * The largest message read as an event: SQS's largest message body, 1 MiB. A rejected message is
 * deleted, so the bound must not be below any event EventBridge can deliver: its events may be
 * 1 MB since January 2026 (256 KB before, and then only the entry: the delivered envelope adds
 * its own keys), and a bigger body cannot reach a queue at all.
 */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** One provider's job event, read from its EventBridge envelope. */
export interface JobEvent {
  provider: JobProvider;
  /** The kind of job its detail type is about (`ProviderEvents.kinds`); absent: the provider's first kind. */
  kind?: string;
  /** The configured account its `account` ID names, and its `region`. */
  place: EventPlace;
  meaning: EventMeaning;
  /** Its `time`, epoch ms (EventBridge gives whole seconds). */
  time: number;
  /**
   * Its envelope's `id` (EventBridge's, unique per event): the tie-break of two events of one order
   * and time, the same on every replica. Absent when the envelope has none (or an over-long one).
   */
  id?: string;
}

/**
 * A message that is not a provider's job event. `reason` is one of a few fixed phrases: it never
 * quotes the body, which may hold secrets (a Batch job's environment).
 */
export class EventRejected extends Error {
  constructor(
    readonly reason: string,
    /** The provider and place of an event whose envelope was read but not its detail (coverage.ts counts those). */
    readonly of?: { provider: JobProvider; kind?: string; place: EventPlace },
  ) {
    super(`not a job event: ${reason}`);
    this.name = 'EventRejected';
  }
}

/** EventBridge event IDs are UUIDs; longer is no ID of its. */
const MAX_EVENT_ID_CHARS = 64;

/** Which provider publishes events of a `source` and `detail-type`. */
const BY_TYPE: ReadonlyMap<string, AnyProvider> = new Map(
  PROVIDERS.flatMap((p) =>
    (p.events?.detailTypes ?? []).map((t) => [`${p.events?.source}\n${t}`, p] as const),
  ),
);

/** The providers that publish job events. */
export const EVENT_PROVIDERS: readonly JobProvider[] = PROVIDERS.filter((p) => p.events).map(
  (p) => p.name,
);

/**
 * What coverage is measured of (coverage.ts): one kind of one provider's jobs, named
 * `AWS_BATCH` for a provider's first kind and `AWS_BATCH/serviceJob` for a further one.
 */
export function coverageSubject(of: { provider: JobProvider; kind?: string | undefined }): string {
  return of.kind === undefined ? of.provider : `${of.provider}/${of.kind}`;
}

/** The provider and kind a coverage subject names. */
export function subjectParts(subject: string): { provider: JobProvider; kind?: string } {
  const [provider, kind] = subject.split('/') as [JobProvider, string | undefined];
  return kind === undefined ? { provider } : { provider, kind };
}

/**
 * Every kind of job some provider's events are about, as coverage subjects, in the providers'
 * order, each provider's first kind first: a detail type of `ProviderEvents.kinds` names its
 * kind, any other its provider's first kind.
 */
export const EVENT_SUBJECTS: readonly string[] = PROVIDERS.flatMap((p) => {
  const events = p.events;
  if (!events) return [];
  const kinds = events.detailTypes.map((t) => events.kinds?.[t]);
  return [...new Set(kinds)].map((kind) => coverageSubject({ provider: p.name, kind }));
});

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/**
 * The longest region name read: AWS's are short (`ap-southeast-5`, `us-gov-west-1`); a long name
 * matching the pattern is no region of AWS's, and would be kept wherever a place is.
 */
const MAX_REGION_CHARS = 32;

/**
 * The job event a message body holds: its envelope checked (`source`, `detail-type`, `account`,
 * `region`, `time`, `detail`), its provider found by source and detail type, its account ID
 * matched to one of the accounts the queue that carried it speaks for (`queue.speaksFor`, of the
 * configured `accounts`) and its region to the queue's, its detail read by the provider's
 * `events.read`. Throws EventRejected otherwise: whoever can send to a queue speaks for its
 * accounts at most, never for another's; `an over-long field` for a field longer than its
 * provider sends (the region here, the detail's fields in `events.read`): no store keeps what no
 * provider sends.
 */
export function decodeEvent(
  body: string,
  config: Config,
  accounts: AwsAccounts | undefined,
  queue: Pick<EventQueue, 'speaksFor' | 'region'>,
): JobEvent {
  if (Buffer.byteLength(body, 'utf8') > MAX_EVENT_BYTES) throw new EventRejected('oversized');
  let envelope: unknown;
  try {
    envelope = JSON.parse(body);
  } catch {
    throw new EventRejected('not JSON');
  }
  if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope))
    throw new EventRejected('not an event envelope');
  const e = envelope as Record<string, unknown>;
  const provider = BY_TYPE.get(`${String(e.source)}\n${String(e['detail-type'])}`);
  if (!provider?.events) throw new EventRejected('not a job event of a provider');
  const { account, region, detail } = e;
  const time = typeof e.time === 'string' ? Date.parse(e.time) : Number.NaN;
  if (typeof account !== 'string' || !ACCOUNT_ID.test(account))
    throw new EventRejected('no account ID');
  if (typeof region === 'string' && region.length > MAX_REGION_CHARS)
    throw new EventRejected('an over-long field');
  if (typeof region !== 'string' || !REGION.test(region)) throw new EventRejected('no region');
  if (Number.isNaN(time)) throw new EventRejected('no time');
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
    throw new EventRejected('no detail');
  const named = provider.setup
    .accountDirectory(config, accounts)
    .filter((a) => a.ids.includes(account));
  if (named.length === 0) throw new EventRejected('an account jobgraph does not read');
  const alias = named.find((a) => queue.speaksFor.includes(a.alias))?.alias;
  if (alias === undefined) throw new EventRejected('an account its queue does not speak for');
  if (region !== queue.region) throw new EventRejected('a region its queue does not speak for');
  const place: EventPlace = { account: alias, region };
  const detailType = String(e['detail-type']);
  const kind = provider.events.kinds?.[detailType];
  const ofKind = kind === undefined ? {} : { kind };
  let meaning: EventMeaning;
  try {
    meaning = provider.events.read(detail as Record<string, unknown>, place, detailType);
  } catch (err) {
    const of = { provider: provider.name, ...ofKind, place };
    if (err instanceof OverlongField) throw new EventRejected(err.message, of);
    // The provider's error may quote a value of the detail: only that it failed is said.
    throw new EventRejected('a detail without the job it is about', of);
  }
  // The ID orders ties only: one that is not a short string is no ID of EventBridge's.
  const id = typeof e.id === 'string' && e.id.length <= MAX_EVENT_ID_CHARS ? e.id : undefined;
  return {
    provider: provider.name,
    ...ofKind,
    place,
    meaning,
    time,
    ...(id !== undefined ? { id } : {}),
  };
}
