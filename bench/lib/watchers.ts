/**
 * The watchers of the watch loads (bench/sizing.ts, bench/events.ts): one caller's connection of
 * many `jobUpdates` subscriptions through an official client on its defaults (graphql-ws,
 * graphql-sse in distinct or single connection mode) and what each saw; the moving jobs.
 */
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Log } from '../rig/stack.ts';
import { sleep } from '../rig/proc.ts';

export type WatcherKind = 'ws' | 'sse' | 'sse-single';

/** Connection c's kind: nine in ten graphql-ws, then graphql-sse distinct and single connection mode. */
export const kindOf = (c: number): WatcherKind =>
  c % 10 !== 9 ? 'ws' : c % 20 === 9 ? 'sse' : 'sse-single';

/**
 * Open a connection from each of `make`, `concurrency` being set up at a time, each ready (or
 * `timeoutMs` passed) before the next; appended to `into` as they open.
 */
export async function openAll(
  make: readonly (() => WatcherConnection)[],
  concurrency: number,
  timeoutMs: number,
  into: WatcherConnection[] = [],
): Promise<WatcherConnection[]> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < make.length) {
        const connection = make[next++]!();
        into.push(connection);
        await connection.whenReady(timeoutMs);
      }
    }),
  );
  return into;
}

/** `list` in slices of `size` (one subscription's IDs each). */
export const slices = <T>(list: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) =>
    list.slice(i * size, (i + 1) * size),
  );

const progressMessage = (step: number) => `Data transfer is in progress: step ${step}.`;

/**
 * The moving jobs: every `seconds`, `move` is given their next progress message (the emulators'
 * job the moving ones copy, or the bare floor's `POST /move`). `stop` ends it and gives the last step.
 */
export function startMover(
  move: (message: string) => Promise<unknown>,
  seconds: number,
  log: Log,
): { stop(): number } {
  let step = 0;
  const timer = setInterval(
    () => void move(progressMessage(++step)).catch((err: unknown) => log(`mover: ${String(err)}`)),
    seconds * 1000,
  );
  return {
    stop: () => {
      clearInterval(timer);
      return step;
    },
  };
}

/** The `jobUpdates` operation of `fields`. */
const query = (fields: string) =>
  `subscription MoonshotWatch($ids: [ID!]!) { jobUpdates(ids: $ids) { ${fields} } }`;

/** What one subscription saw of one of its jobs. */
export interface Seen {
  /** Events of this job, and their count when the mark was set (`WatcherConnection.mark`). */
  events: number;
  atMark: number;
  /** The statusMessage of its last event. */
  last: string | null;
}

/**
 * Counts every watcher adds to (one object for the whole run): events; errors (`next` payloads
 * with errors, sink errors: the client gave up); completes (no job here finishes); reconnects
 * (connections, SSE: streams, made again by the client); WebSocket closes not asked for; the first
 * few problems, for the report.
 */
export const newTally = () => ({
  ...{ events: 0, errors: 0, completes: 0, reconnects: 0, closes: 0 },
  examples: [] as string[],
});
export type Tally = ReturnType<typeof newTally>;

/** A job's update as the subscription selects it (`id state statusMessage` unless told). */
export type Update = { id: string } & Record<string, string | null>;
type Payload = {
  data?: { jobUpdates?: Update } | null | undefined;
  errors?: readonly unknown[] | undefined;
};

/**
 * One caller (its own token) and its connection of `watches.length` subscriptions, `watches[i]`
 * the IDs of subscription i; `options.fields` the selection, `onEvent` given each update.
 */
export class WatcherConnection {
  /** Per subscription, per job ID. */
  readonly seen: Map<string, Seen>[];
  /** performance.now() at creation and once every subscription had an event of each of its jobs. */
  readonly openedAt = performance.now();
  readyAt: number | null = null;
  private waiting: number;
  private closing = false;
  private readonly onReady: Promise<void>;
  private ready!: () => void;
  private readonly dispose: () => void;

  constructor(
    readonly kind: WatcherKind,
    url: string,
    token: string,
    watches: readonly (readonly string[])[],
    private readonly tally: Tally,
    private readonly options: { fields?: string; onEvent?: (update: Update) => void } = {},
  ) {
    this.seen = watches.map(
      (ids) => new Map(ids.map((id) => [id, { events: 0, atMark: 0, last: null }])),
    );
    this.waiting = watches.reduce((n, ids) => n + ids.length, 0);
    this.onReady = new Promise((resolve) => (this.ready = resolve));
    const reconnected = (again: boolean) => {
      if (again) this.problem('reconnects', `${kind} reconnected`);
    };
    const sinks = this.seen.map((seen) => ({
      next: (value: Payload) => this.next(seen, value),
      // A subscription that ends before its first events never makes the connection ready: stop waiting.
      // Closing the client aborts its streams (graphql-sse's single connection reports "This
      // operation was aborted"): that is this watcher's own close, not a problem.
      error: (err: unknown) => {
        if (this.closing) return;
        this.problem('errors', `${kind} error: ${describe(err)}`);
        this.ready();
      },
      complete: () => {
        if (this.closing) return;
        this.problem('completes', `${kind} completed`);
        this.ready();
      },
    }));
    const operation = query(options.fields ?? 'id state statusMessage');
    const payloads = watches.map((ids) => ({ query: operation, variables: { ids } }));
    const headers = { Authorization: `Bearer ${token}` };
    let stops: (() => void)[];
    let disposeClient: () => void;
    if (kind === 'ws') {
      const client = createWsClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: headers,
        on: {
          connected: (_socket, _payload, again) => reconnected(again),
          closed: (event) => {
            if (!this.closing) this.problem('closes', `ws closed: ${describe(event)}`);
          },
        },
      });
      stops = payloads.map((p, i) => client.subscribe(p, sinks[i]!));
      disposeClient = () => void Promise.resolve(client.dispose()).catch(() => undefined);
    } else if (kind === 'sse') {
      const client = createSseClient({ url, headers });
      stops = payloads.map((p, i) => client.subscribe(p, sinks[i]!, { connected: reconnected }));
      disposeClient = () => client.dispose();
    } else {
      const client = createSseClient({
        url,
        headers,
        singleConnection: true,
        on: { connected: reconnected },
      });
      stops = payloads.map((p, i) => client.subscribe(p, sinks[i]!));
      disposeClient = () => client.dispose();
    }
    this.dispose = () => {
      for (const stop of stops) stop();
      disposeClient();
    };
  }

  /**
   * Resolves once every subscription had an event of each of its jobs (`readyAt` set), or once one
   * of them failed or completed, or after `timeoutMs` (then `readyAt` stays null).
   */
  whenReady(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    return Promise.race([this.onReady, timeout]).finally(() => clearTimeout(timer));
  }

  /** Remember each count now: what comes after is compared between the subscribers of a job. */
  mark(): void {
    for (const seen of this.seen) for (const s of seen.values()) s.atMark = s.events;
  }

  close(): void {
    this.closing = true;
    this.dispose();
  }

  private next(seen: Map<string, Seen>, value: Payload): void {
    const update = value.data?.jobUpdates;
    const s = update ? seen.get(update.id) : undefined;
    if (value.errors?.length || !s) {
      this.problem('errors', `${this.kind} next: ${JSON.stringify(value).slice(0, 300)}`);
      return;
    }
    this.tally.events += 1;
    if (s.events++ === 0 && --this.waiting === 0) {
      this.readyAt = performance.now();
      this.ready();
    }
    s.last = update!.statusMessage ?? null;
    this.options.onEvent?.(update!);
  }

  private problem(kind: 'errors' | 'completes' | 'reconnects' | 'closes', example: string): void {
    this.tally[kind] += 1;
    if (this.tally.examples.length < 10) this.tally.examples.push(example);
  }
}

/** A close event (graphql-ws: its code and reason) or an error, in a line. */
function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  const { code, reason } = (value ?? {}) as { code?: unknown; reason?: unknown };
  if (typeof code === 'number') return `code ${code} ${typeof reason === 'string' ? reason : ''}`;
  return String(value).slice(0, 300);
}

/**
 * Once the moving jobs stopped (`step`, their last): wait up to 45 s for every subscriber of each
 * to show it, then compare what each subscription saw since its mark: every subscriber of a
 * moving job the same events, and no still job any.
 */
export async function compareSubscribers(
  open: readonly WatcherConnection[],
  moving: readonly string[],
  step: number,
) {
  const last = progressMessage(step);
  const isMoving = new Set(moving);
  const seen = open.flatMap((c) => c.seen.flatMap((byJob) => [...byJob]));
  const laggards = () => seen.filter(([id, v]) => isMoving.has(id) && v.last !== last).length;
  const until = performance.now() + 45_000;
  while (moving.length > 0 && laggards() > 0 && performance.now() < until) await sleep(500);
  const counts = new Map<string, number[]>();
  let unexpected = 0;
  for (const [id, v] of seen)
    if (isMoving.has(id)) counts.set(id, [...(counts.get(id) ?? []), v.events - v.atMark]);
    else unexpected += v.events - v.atMark;
  const stepsSeen = [...counts.values()].map((n) => Math.max(...n));
  let [missed, behind] = [0, 0];
  for (const n of counts.values())
    for (const x of n) {
      missed += Math.max(...n) - x;
      if (x < Math.max(...n)) behind += 1;
    }
  return {
    stepsMade: step,
    stepsSeenMin: stepsSeen.length ? Math.min(...stepsSeen) : 0,
    stepsSeenMax: stepsSeen.length ? Math.max(...stepsSeen) : 0,
    missed,
    behind,
    unexpected,
    unsettled: moving.length > 0 ? laggards() : 0,
  };
}
