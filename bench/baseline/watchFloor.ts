/**
 * The bare floor under watching (`npm run bench:moonshot`, bench/README.md): graphql-ws and
 * graphql-sse on node:http over one map of listeners; each job's first event a record made on the
 * spot, and the moving jobs' changes as the bench sends them (`POST /move`: the IDs and their new
 * statusMessage, a record a job for all its listeners; it answers how many listeners it reached).
 * Prints `{"port":N}` once listening (bench/rig/childServer.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { createHandler } from 'graphql-sse/lib/use/http';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

interface Job {
  id: string;
  state: string;
  statusMessage: string | null;
}
type Listener = (job: Job) => void;

/** Every watched job's listeners. */
const listeners = new Map<string, Set<Listener>>();

/** Events of `ids`: each job's record at once, then whatever is sent to its listeners. */
async function* jobUpdates(ids: readonly string[]): AsyncGenerator<{ jobUpdates: Job }> {
  const queue: Job[] = ids.map((id) => ({ id, state: 'RUNNING', statusMessage: 'in progress' }));
  let wake: (() => void) | null = null;
  const listener: Listener = (job) => {
    queue.push(job);
    wake?.();
  };
  for (const id of ids) {
    const set = listeners.get(id) ?? new Set<Listener>();
    listeners.set(id, set.add(listener));
  }
  try {
    for (;;) {
      for (let job = queue.shift(); job; job = queue.shift()) yield { jobUpdates: job };
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    for (const id of ids) {
      const set = listeners.get(id);
      set?.delete(listener);
      if (set?.size === 0) listeners.delete(id);
    }
  }
}

const schema = makeExecutableSchema({
  typeDefs: `
    type Job { id: ID! state: String! statusMessage: String }
    type Query { ok: Boolean }
    type Subscription { jobUpdates(ids: [ID!]!): Job! }
  `,
  resolvers: {
    Subscription: {
      jobUpdates: { subscribe: (_: unknown, args: { ids: string[] }) => jobUpdates(args.ids) },
    },
  },
});

const sse = createHandler({ schema });
/** The moving jobs' change: one record a job, given to each of its listeners. */
async function move(req: http.IncomingMessage, res: http.ServerResponse) {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  const { ids, statusMessage } = JSON.parse(body) as { ids: string[]; statusMessage: string };
  let reached = 0;
  for (const id of ids) {
    const job = { id, state: 'RUNNING', statusMessage };
    const set = listeners.get(id) ?? new Set<Listener>();
    for (const listener of set) listener(job);
    reached += set.size;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reached }));
}

const server = http.createServer((req, res) => {
  (req.url === '/move' ? move(req, res) : sse(req, res)).catch(() => {
    if (!res.headersSent) res.writeHead(500).end();
  });
});
useServer({ schema }, new WebSocketServer({ server, path: '/graphql' }));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
