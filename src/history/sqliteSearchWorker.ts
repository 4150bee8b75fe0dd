/**
 * The thread a SQLite history search runs on (sqliteSearches.ts starts it): its own read-only
 * connection to the history file (WAL: it reads the last committed state while the gateway's
 * connection writes), running the SQL Kysely compiled on the main thread. node:sqlite cannot
 * interrupt a statement, so the deadline is a function of the query's own WHERE clause,
 * `jobgraph_deadline()`, asked at every row the search reads: past the deadline it throws and the
 * statement stops there.
 *
 * Loaded by path, not imported: it imports nothing of jobgraph's, and its TypeScript is only what
 * Node strips (the unit tests run it from src/, the gateway from dist/).
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { LRUCache } from 'lru-cache';
import { parentPort, workerData } from 'node:worker_threads';

/** What the main thread starts the worker with. */
export interface SearchWorkerData {
  path: string;
}

/** One search asked: the statement, its parameters, and the deadline (ms since the epoch). */
export interface SearchAsk {
  id: number;
  sql: string;
  parameters: readonly unknown[];
  deadline: number;
}

/** Its answer: the rows, or that the deadline stopped it, or the error's message. */
export type SearchReply =
  { id: number; rows: unknown[] } | { id: number; timedOut: true } | { id: number; error: string };

/** Statements kept prepared, by their SQL (the least recently used out first). */
const MAX_PREPARED = 32;

const { path } = workerData as SearchWorkerData;
const db = new DatabaseSync(path, { readOnly: true, timeout: 5000 });
db.exec('PRAGMA cache_size = -16384');
let deadline = 0;
let expired = false;
db.function('jobgraph_deadline', { deterministic: false, directOnly: true }, () => {
  if (Date.now() <= deadline) return 1;
  expired = true;
  throw new Error('the search ran past its deadline');
});

const prepared = new LRUCache<string, StatementSync>({ max: MAX_PREPARED });
function statementOf(sql: string): StatementSync {
  let statement = prepared.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    prepared.set(sql, statement);
  }
  return statement;
}

type Param = null | number | bigint | string | NodeJS.ArrayBufferView;

parentPort!.on('message', (ask: SearchAsk) => {
  deadline = ask.deadline;
  expired = false;
  let reply: SearchReply;
  try {
    reply = { id: ask.id, rows: statementOf(ask.sql).all(...(ask.parameters as Param[])) };
  } catch (e) {
    reply = expired
      ? { id: ask.id, timedOut: true }
      : { id: ask.id, error: (e as Error).message ?? String(e) };
  }
  parentPort!.postMessage(reply);
});
