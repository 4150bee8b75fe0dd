// Figure 4's bare servers (bench/README.md): graphql-js, or `--memo` node:http, `--apollo` Apollo.
// Usage: server.ts <jobs.json> [--memo | --apollo]; prints {"port":N} once listening.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { execute, parse, validate, type DocumentNode } from 'graphql';
import { baselineRoot, baselineSchema, type StoredJob } from './schema.ts';

interface GraphQLRequestBody {
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

const file = process.argv[2];
if (!file) throw new Error('usage: server.ts <jobs.json> [--memo]');
/** Request body text → the answer given to it first (status and JSON), with --memo. */
const memo =
  process.argv[3] === '--memo' ? new Map<string, { status: number; body: string }>() : null;
const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredJob[];
const schema = baselineSchema();
const root = baselineRoot(new Map(stored.map((j) => [j.id, j])));
const documents = new Map<string, DocumentNode>();

function documentFor(query: string): DocumentNode | { errors: readonly { message: string }[] } {
  const cached = documents.get(query);
  if (cached) return cached;
  const document = parse(query);
  const errors = validate(schema, document);
  if (errors.length) return { errors: errors.map((e) => ({ message: e.message })) };
  documents.set(query, document);
  return document;
}

function reply(res: http.ServerResponse, status: number, payload: unknown, request?: string): void {
  const body = JSON.stringify(payload);
  if (memo && request !== undefined) memo.set(request, { status, body });
  send(res, status, body);
}

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/graphql')
    return reply(res, 404, { errors: [{ message: 'not found' }] });
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(text) as GraphQLRequestBody;
      const known = memo?.get(text);
      if (known) return send(res, known.status, known.body);
      const document = documentFor(body.query ?? '');
      if (!('kind' in document)) return reply(res, 400, document);
      const result = execute({
        schema,
        document,
        rootValue: root,
        variableValues: body.variables ?? null,
        operationName: body.operationName ?? null,
      });
      if (result instanceof Promise) {
        result.then(
          (r) => reply(res, 200, r, text),
          () => reply(res, 500, { errors: [{ message: 'execution failed' }] }),
        );
      } else {
        reply(res, 200, result, text);
      }
    } catch {
      reply(res, 400, { errors: [{ message: 'bad request' }] });
    }
  });
});

if (process.argv[3] === '--apollo') {
  const apollo = new ApolloServer({ schema, rootValue: root });
  const { url } = await startStandaloneServer(apollo, { listen: { port: 0, host: '127.0.0.1' } });
  process.stdout.write(`${JSON.stringify({ port: Number(new URL(url).port) })}\n`);
  process.on('SIGTERM', () => void apollo.stop().then(() => process.exit(0)));
} else {
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
