import type { FormattedExecutionResult } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { DEMO_JOBS } from '@jobgraph/emulators/importexport/data';

export type Transport = 'sse' | 'ws';
export const TRANSPORTS: Transport[] = ['sse', 'ws'];

export type Event = FormattedExecutionResult<Record<string, any>>;

/** One open subscription from a real library client: its events one by one, how it ended. */
export interface Subscription {
  /** The next event, or null once the server completed the stream. Rejects with what the client raised (a refusal, a close). */
  next(): Promise<Event | null>;
  /** Every event until the stream completes. */
  rest(): Promise<Event[]>;
  close(): Promise<void>;
  /** WebSocket close events the client saw (code and reason). */
  closes: { code: number; reason: string }[];
}

/**
 * Subscribe with graphql-sse (distinct connections mode, `Authorization` header) or graphql-ws
 * (`connection_init` payload `{ Authorization }`), one client per subscription, no retries.
 */
export function subscribe(
  url: string,
  transport: Transport,
  query: string,
  options: {
    token?: string;
    variables?: Record<string, unknown>;
    tokenInUpgradeHeader?: boolean;
  } = {},
): Subscription {
  const authorization = options.token ? `Bearer ${options.token}` : undefined;
  const closes: { code: number; reason: string }[] = [];
  let iterator: AsyncIterableIterator<Event>;
  let dispose: () => void | Promise<void>;
  if (transport === 'sse') {
    const client = createSseClient({
      url,
      retryAttempts: 0,
      headers: authorization ? { Authorization: authorization } : {},
    });
    iterator = client.iterate({
      query,
      ...(options.variables ? { variables: options.variables } : {}),
    }) as AsyncIterableIterator<Event>;
    dispose = () => client.dispose();
  } else {
    const header =
      options.tokenInUpgradeHeader && authorization
        ? { headers: { Authorization: authorization } }
        : {};
    class AuthorizedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, header);
      }
    }
    const client = createWsClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: AuthorizedWebSocket,
      retryAttempts: 0,
      lazy: true,
      // Keep the socket after the last operation completes, so a test sees how the server closes it.
      lazyCloseTimeout: 60_000,
      ...(authorization && !options.tokenInUpgradeHeader
        ? { connectionParams: { Authorization: authorization } }
        : {}),
      on: {
        closed: (event) => {
          const e = event as { code: number; reason: string };
          closes.push({ code: e.code, reason: String(e.reason) });
        },
      },
    });
    iterator = client.iterate({
      query,
      ...(options.variables ? { variables: options.variables } : {}),
    }) as AsyncIterableIterator<Event>;
    dispose = () => client.dispose();
  }
  const sub: Subscription = {
    closes,
    next: async () => {
      const r = await iterator.next();
      return r.done ? null : r.value;
    },
    rest: async () => {
      const all: Event[] = [];
      for (let e = await sub.next(); e !== null; e = await sub.next()) all.push(e);
      return all;
    },
    close: async () => {
      await iterator.return?.();
      await dispose();
    },
  };
  return sub;
}

/**
 * One Import/Export demo job whose wire answer a test moves by hand (`setProgress`), so a
 * watched job changes between two polls the test drives with its clock; `restore` puts the
 * demo data back.
 */
export function movableImportExportJob(jobId: string): {
  id: string;
  setProgress: (code: string) => void;
  restore: () => void;
} {
  const wire = DEMO_JOBS.find((j) => j.JobId === jobId) as
    { ProgressCode: string; ProgressMessage: string } | undefined;
  if (!wire) throw new Error(`no Import/Export demo job ${jobId}`);
  const original = { ...wire };
  return {
    id: `importexport:${jobId}`,
    setProgress: (code) => {
      wire.ProgressCode = code;
      wire.ProgressMessage = `now ${code}`;
    },
    restore: () => Object.assign(wire, original),
  };
}

/** One `jobUpdates` event as the watching tests ask for it. */
export type JobUpdate = { id: string; state: string };

/** An error as a failure message shows it: an Error's message, a close event's code and reason, or the GraphQL errors. */
export function explain(err: unknown): string {
  if (err instanceof Error) return err.message;
  const e = err as { code?: unknown; reason?: unknown };
  if (e && typeof e === 'object' && typeof e.code === 'number')
    return `close ${e.code} ${typeof e.reason === 'string' ? e.reason : ''}`.trim();
  return JSON.stringify(err);
}

/**
 * What one official client's `jobUpdates` subscription delivered (`sink`, for its `subscribe`),
 * and a way to wait on it: `until` resolves once its condition holds after an event, and rejects
 * with what it saw as soon as the client gives up (an error) or completes without it, or after a
 * time limit.
 */
export class WatchedUpdates {
  readonly updates: JobUpdate[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  private readonly checks = new Set<() => void>();

  constructor(readonly name: string) {}

  readonly sink = {
    next: (value: {
      data?: { jobUpdates?: JobUpdate } | null | undefined;
      errors?: readonly unknown[] | undefined;
    }) => {
      if (value.errors) this.errors.push(value.errors);
      if (value.data?.jobUpdates) this.received(value.data.jobUpdates);
      this.changed();
    },
    error: (err: unknown) => {
      this.errors.push(err);
      this.changed();
    },
    complete: () => {
      this.completed = true;
      this.changed();
    },
  };

  /**
   * Resolves once `condition` holds. `limit`: the time limit in ms, or `{ timeoutMs, mayEnd }`
   * where `mayEnd` keeps waiting through an error or completion (a client that retries).
   */
  until(
    what: string,
    condition: (watched: this) => boolean,
    limit: number | { timeoutMs?: number; mayEnd?: boolean } = {},
  ): Promise<void> {
    const { timeoutMs, mayEnd = false } = typeof limit === 'number' ? { timeoutMs: limit } : limit;
    return new Promise<void>((resolve, reject) => {
      const end = (why?: string) => {
        clearTimeout(timer);
        this.checks.delete(check);
        if (why === undefined) resolve();
        else
          reject(
            new Error(
              `${this.name} ${why} before ${what}: ${JSON.stringify({ ...this.seen(), completed: this.completed, errors: this.errors.map(explain) })}`,
            ),
          );
      };
      const check = () => {
        if (condition(this)) end();
        else if (!mayEnd && (this.errors.length > 0 || this.completed))
          end(this.completed ? 'completed' : 'failed');
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => end(`timed out after ${timeoutMs} ms`), timeoutMs);
      this.checks.add(check);
      check();
    });
  }

  /** What a failure message says it saw, beside its completion and errors. */
  protected seen(): object {
    return { updates: this.updates };
  }

  protected received(update: JobUpdate): void {
    this.updates.push(update);
  }

  /** Check every pending `until` again. */
  protected changed(): void {
    for (const check of [...this.checks]) check();
  }
}
