/**
 * The log streams the CloudWatch Logs emulator serves: streams written by hand (`put`, for tests
 * and bench) and streams an emulator's jobs write as they run (a `LogSource`, such as AWS Batch's,
 * whose lines follow from its jobs and the emulators' clock). Keyed by account, region, log group
 * and stream, as CloudWatch Logs keeps them.
 */

/** One event of a stream, as GetLogEvents answers it (times in ms since the epoch). */
export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

/** Where a stream is: an account's log group in a region, and the stream's name in it. */
export interface StreamPlace {
  accountId: string;
  region: string;
  group: string;
  stream: string;
}

/**
 * An emulator whose jobs write logs. Both answers are of the clock's `nowMs`: a running job's
 * stream grows as the clock moves, and holds only what was written by then.
 */
export interface LogSource {
  /** Whether the account has this log group in this region. */
  hasGroup(accountId: string, region: string, group: string, nowMs: number): boolean;
  /** The stream's events written by `nowMs`, oldest first; undefined when the source has no such stream. */
  events(place: StreamPlace, nowMs: number): readonly LogEvent[] | undefined;
}

/** What a stream lookup found: its events, or which part of its place does not exist. */
type StreamLookup =
  { found: true; events: readonly LogEvent[] } | { found: false; missing: 'group' | 'stream' };

/** The streams of a set of emulators: one registry every writer and the Logs emulator share. */
export interface LogStreams {
  /**
   * Append events to a stream (its group made when missing), kept in timestamp order as
   * CloudWatch Logs returns them; `ingestionTime` defaults to the event's timestamp.
   */
  put(
    place: StreamPlace,
    events: readonly { timestamp: number; message: string; ingestionTime?: number }[],
  ): void;
  /** Make an empty log group (a group that exists without the stream asked for). */
  createGroup(accountId: string, region: string, group: string): void;
  /** Add an emulator whose jobs write logs. */
  register(source: LogSource): void;
  /** A stream's events at `nowMs`: the written ones, else the sources'. */
  lookup(place: StreamPlace, nowMs: number): StreamLookup;
}

const groupKey = (accountId: string, region: string, group: string) =>
  JSON.stringify([accountId, region, group]);

/** An empty registry. */
export function createLogStreams(): LogStreams {
  const groups = new Map<string, Map<string, LogEvent[]>>();
  const sources: LogSource[] = [];
  const groupOf = (accountId: string, region: string, group: string) => {
    const key = groupKey(accountId, region, group);
    let streams = groups.get(key);
    if (!streams) groups.set(key, (streams = new Map<string, LogEvent[]>()));
    return streams;
  };
  return {
    put(place, events) {
      const streams = groupOf(place.accountId, place.region, place.group);
      let stream = streams.get(place.stream);
      if (!stream) streams.set(place.stream, (stream = []));
      for (const e of events)
        stream.push({
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime ?? e.timestamp,
        });
      stream.sort((a, b) => a.timestamp - b.timestamp);
    },
    createGroup(accountId, region, group) {
      groupOf(accountId, region, group);
    },
    register(source) {
      sources.push(source);
    },
    lookup(place, nowMs) {
      const written = groups.get(groupKey(place.accountId, place.region, place.group));
      const stream = written?.get(place.stream);
      if (stream) return { found: true, events: stream };
      for (const source of sources) {
        const events = source.events(place, nowMs);
        if (events) return { found: true, events };
      }
      const group =
        written !== undefined ||
        sources.some((s) => s.hasGroup(place.accountId, place.region, place.group, nowMs));
      return { found: false, missing: group ? 'stream' : 'group' };
    },
  };
}
