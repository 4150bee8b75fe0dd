/**
 * SQLite history searches off the gateway's thread. node:sqlite runs a statement synchronously,
 * so a search on the gateway's own connection held every request for as long as it read (how
 * long: docs/performance.md, Decisions). Here each search runs on a worker
 * thread with its own read-only connection to the same file (sqliteSearchWorker.ts), under a
 * deadline both sides keep: the worker stops the statement at its next row past it, and the main
 * thread answers at it whatever the worker does, replacing a worker that has not stopped soon
 * after. Point lookups by ID (a job's record, its transitions) stay on the gateway's connection:
 * an index bounds them.
 */
import { Worker } from 'node:worker_threads';
import { HistorySearchTimedOut, withDeadline } from './searchDeadline.ts';
import type { SearchAsk, SearchReply, SearchWorkerData } from './sqliteSearchWorker.ts';

/**
 * The worker's script beside this module: sqliteSearchWorker.ts where the sources run as they are
 * (the unit tests: Node strips its types), sqliteSearchWorker.js in the compiled dist/.
 */
const WORKER_URL = new URL(
  `./sqliteSearchWorker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/** Searches run at once, one a worker; more wait for one (their time limit counts from when asked). */
const SEARCH_WORKERS = 2;

/** How long a worker has to stop after its deadline before it is terminated and replaced, in ms. */
const STOP_GRACE_MS = 1000;

interface Running {
  resolve: (rows: unknown[]) => void;
  reject: (e: Error) => void;
}

export class SqliteSearches {
  /** Every worker started and not yet terminated or gone: at most SEARCH_WORKERS. */
  readonly #live = new Set<Worker>();
  readonly #idle: Worker[] = [];
  readonly #running = new Map<Worker, Running>();
  readonly #waiting: ((worker: Worker) => void)[] = [];
  #next = 0;
  #closed = false;

  constructor(
    private readonly path: string,
    private readonly timeoutMs: number,
  ) {}

  /** The rows of `sql`, or HistorySearchTimedOut once the time limit has passed. */
  run<R>(sql: string, parameters: readonly unknown[]): Promise<R[]> {
    const deadline = Date.now() + this.timeoutMs;
    let worker: Worker | undefined;
    let given = false;
    const work = this.#worker().then(
      (w) =>
        new Promise<R[]>((resolve, reject) => {
          worker = w;
          if (given) return this.#release(w);
          this.#running.set(w, { resolve: resolve as (rows: unknown[]) => void, reject });
          const ask: SearchAsk = { id: ++this.#next, sql, parameters, deadline };
          w.postMessage(ask);
        }),
    );
    return withDeadline(work, this.timeoutMs, () => {
      given = true;
      const w = worker;
      if (w === undefined) return;
      // Answered already; the worker is let finish (it stops at its next row) and is replaced if it
      // does not within the grace.
      const answered: Running = { resolve: () => undefined, reject: () => undefined };
      this.#running.set(w, answered);
      const timer = setTimeout(() => {
        // Still this search's (not one the worker took after it stopped).
        if (this.#running.get(w) === answered) this.#discard(w);
      }, STOP_GRACE_MS);
      timer.unref();
    });
  }

  /** Terminate every worker; a search running is answered with an error. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#live];
    this.#live.clear();
    this.#idle.length = 0;
    for (const [, r] of this.#running) r.reject(new Error('the history store is closed'));
    this.#running.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  #worker(): Promise<Worker> {
    if (this.#closed) return Promise.reject(new Error('the history store is closed'));
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#live.size < SEARCH_WORKERS) return Promise.resolve(this.#start());
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #start(): Worker {
    const data: SearchWorkerData = { path: this.path };
    const worker = new Worker(WORKER_URL, { workerData: data });
    // A worker never keeps the process alive: a search waiting on it is a request that does.
    worker.unref();
    this.#live.add(worker);
    worker.on('message', (reply: SearchReply) => {
      if (!this.#live.has(worker)) return;
      const running = this.#running.get(worker);
      this.#running.delete(worker);
      this.#release(worker);
      if (!running) return;
      if ('rows' in reply) running.resolve(reply.rows);
      else if ('timedOut' in reply) running.reject(new HistorySearchTimedOut(this.timeoutMs));
      else running.reject(new Error(`history search failed: ${reply.error}`));
    });
    const gone = (e: Error) => {
      if (!this.#live.delete(worker)) return;
      const running = this.#running.get(worker);
      this.#running.delete(worker);
      const at = this.#idle.indexOf(worker);
      if (at >= 0) this.#idle.splice(at, 1);
      running?.reject(e);
      this.#refill();
    };
    worker.on('error', gone);
    worker.on('exit', () => gone(new Error('the history search worker stopped')));
    return worker;
  }

  /** `worker` free again: to the first search waiting, else idle. */
  #release(worker: Worker): void {
    if (this.#closed) return void worker.terminate();
    const waiting = this.#waiting.shift();
    if (waiting) waiting(worker);
    else this.#idle.push(worker);
  }

  /** A worker that did not stop in time: terminated, and a new one for the searches waiting. */
  #discard(worker: Worker): void {
    if (!this.#live.delete(worker)) return;
    this.#running.delete(worker);
    void worker.terminate();
    this.#refill();
  }

  /** A worker's place freed (discarded or gone): a new one for the first search waiting. */
  #refill(): void {
    if (this.#closed) return;
    const waiting = this.#waiting.shift();
    if (waiting) waiting(this.#start());
  }
}
