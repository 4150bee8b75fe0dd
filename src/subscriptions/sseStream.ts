import type http from 'node:http';
import type { ExecutionResult, FormattedExecutionResult } from 'graphql';
import { TOKEN_HEADER_KEY, TOKEN_QUERY_KEY, print as printSseMessage } from 'graphql-sse';
import type { Identity } from '../auth/identity.ts';
import { acceptedTypes } from '../http/transport.ts';

/** graphql-sse's handler writes a comment line this often (ms) to keep an idle stream open; single-connection streams do the same. */
export const HEARTBEAT_MS = 12_000;

/** The longest `extensions.operationId` accepted (each event of the operation carries it). */
const MAX_OPERATION_ID_LENGTH = 256;

/** One running operation on a stream: stopping it (DELETE, the stream's end) sends nothing more for it. */
export interface Operation {
  stopped: boolean;
  stop(): void;
}

/** What a reservation carries: its stream once connected, its operations, the writes waiting on the stream. */
export interface Stream {
  res: http.ServerResponse | undefined;
  /** Who opened the stream (its request's verified identity): relayed operations run with no more than this. */
  identity: Identity | undefined;
  /** The reservation's ID where the replicas share it (sseRelay.ts); undefined when only this process knows it. */
  sharedId: string | undefined;
  readonly ops: Map<string, Operation>;
  ended: boolean;
  /** Settles when the stream connects or the reservation ends, whichever comes first. */
  readonly ready: Promise<void>;
  markReady(): void;
  /** Writes in flight (a write to a client that went away may never call back): settled at the end. */
  readonly writes: Set<() => void>;
  /** Lets the stream's request settle (shutdown, lapse). */
  finish(): void;
}

export function newStream(): Stream {
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  return {
    res: undefined,
    identity: undefined,
    sharedId: undefined,
    ops: new Map(),
    ended: false,
    ready,
    markReady,
    writes: new Set(),
    finish: () => undefined,
  };
}

/** The reservation token a request presents: header `x-graphql-event-stream-token`, else `?token=` (graphql-sse's PROTOCOL.md). */
export function streamToken(req: http.IncomingMessage): string | undefined {
  const header = req.headers[TOKEN_HEADER_KEY];
  if (typeof header === 'string' && header !== '') return header;
  // Every /graphql request asks this: a target without a query string has no token to parse for.
  if (!req.url?.includes('?')) return undefined;
  const query = new URL(req.url, 'http://localhost/').searchParams.get(TOKEN_QUERY_KEY);
  return query === null || query === '' ? undefined : query;
}

/** Whether a GraphQL-path request belongs to single connection mode: a reservation (PUT), a stop (DELETE), or anything carrying a reservation token. */
export function isSingleConnectionRequest(req: http.IncomingMessage): boolean {
  return req.method === 'PUT' || req.method === 'DELETE' || streamToken(req) !== undefined;
}

/** Whether a request of the mode asks for the event stream itself (`Accept: text/event-stream`) rather than sending an operation. */
export function isStreamRequest(req: http.IncomingMessage): boolean {
  return acceptedTypes(req.headers.accept).includes('text/event-stream');
}

export const nextEvent = (id: string, payload: FormattedExecutionResult): string =>
  printSseMessage({ event: 'next', data: { id, payload: payload as ExecutionResult } });
export const completeEvent = (id: string): string =>
  printSseMessage({ event: 'complete', data: { id } });

export const badRequest = (message: string) => [{ message, extensions: { code: 'BAD_REQUEST' } }];

export const OPERATION_ID_MESSAGE = `Send the operation's ID as extensions.operationId (a string of 1 to ${MAX_OPERATION_ID_LENGTH} characters).`;
export const RUNNING_MESSAGE = 'An operation with this ID is already running.';

/** The operation's `extensions.operationId`, or null when it has none usable (none, empty, too long). */
export function operationIdIn(params: { extensions?: unknown }): string | null {
  const extensions = params.extensions as { operationId?: unknown } | null | undefined;
  const id = typeof extensions === 'object' ? extensions?.operationId : undefined;
  return typeof id !== 'string' || id === '' || id.length > MAX_OPERATION_ID_LENGTH ? null : id;
}

/** Write one event on the stream (once it is connected); settles when written, or when the stream is gone. */
export async function send(stream: Stream, chunk: string): Promise<void> {
  if (!stream.res) await stream.ready;
  const res = stream.res;
  if (stream.ended || !res || res.destroyed || res.writableEnded) return;
  await new Promise<void>((resolve) => {
    const settle = () => {
      stream.writes.delete(settle);
      resolve();
    };
    stream.writes.add(settle);
    res.write(chunk, () => settle());
  });
}

export function forget(stream: Stream, id: string, op: Operation): void {
  if (stream.ops.get(id) === op) stream.ops.delete(id);
}
