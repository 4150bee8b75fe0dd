// The SDK peer, or with `--floor-calls` the core floor (bench/README.md).
// Usage: server.ts '<emulator URLs JSON>' [--floor-calls]; prints {"port":N} once listening.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { floorClient, type FloorAnswer } from '../lib/floor.ts';
import { nativeOf, PROVIDER_OF_PREFIX, type BenchProvider } from '../lib/ids.ts';
import { createProviders, notFound, typeDefs, type Job, type Providers } from './providers.ts';

/** A request's loader per global-ID prefix, 100 IDs a batch at most (Batch DescribeJobs' limit). */
function createContext(providers: Providers) {
  const loaders = new Map<string, DataLoader<string, Job>>();
  for (const [prefix, read] of Object.entries(providers))
    loaders.set(prefix, new DataLoader<string, Job>(read, { maxBatchSize: 100 }));
  return { loaders };
}

type PeerContext = ReturnType<typeof createContext>;

const resolvers = {
  Query: {
    /** Each ID through its provider's loader; an unknown prefix is that item's own error. */
    jobs: (_parent: unknown, args: { ids: string[] }, context: PeerContext) =>
      args.ids.map((id) => {
        const loader = context.loaders.get(id.slice(0, id.indexOf(':')));
        return loader
          ? loader.load(id)
          : new GraphQLError(`Unknown job ID ${id}.`, { extensions: { code: 'BAD_USER_INPUT' } });
      }),
  },
};

/** Which of the call's jobs it answered: all on a 200, and for AWS Batch those it describes. */
function answeredBy(a: FloorAnswer): (id: string) => boolean {
  if (a.status !== 200) return () => false;
  if (a.provider !== 'batch') return () => true;
  const described = new Set(
    ((a.parsed as { jobs?: { jobId?: string }[] }).jobs ?? []).map((j) => j.jobId),
  );
  return (id) => described.has(nativeOf(id));
}

function job(id: string): Job {
  const parts = id.split(':');
  return {
    id,
    provider: parseGlobalId(id).provider,
    nativeId: nativeOf(id),
    region: parts.length > 2 ? (parts[1] as string) : null,
    state: 'SUCCEEDED',
    providerStatus: 'Completed',
    statusMessage: null,
    terminal: true,
    createdAt: '2026-11-20T08:00:00.000Z',
    updatedAt: '2026-11-20T08:10:00.000Z',
    completedAt: '2026-11-20T08:10:00.000Z',
  };
}

/** The core floor's providers: every loader sends its IDs through one floor client, fixed field values. */
function floorCallProviders(urls: Record<BenchProvider, string>): Providers {
  const client = floorClient(urls);
  const read = async (ids: readonly string[]): Promise<(Job | Error)[]> => {
    const out = new Map<string, Job | Error>();
    for (const a of await client.send(ids)) {
      const answered = answeredBy(a);
      for (const id of a.ids) out.set(id, answered(id) ? job(id) : notFound(id));
    }
    return ids.map((id) => out.get(id) as Job | Error);
  };
  return Object.fromEntries(Object.keys(PROVIDER_OF_PREFIX).map((prefix) => [prefix, read]));
}

const urls = JSON.parse(process.argv[2] ?? '') as Record<BenchProvider, string>;
const providers =
  process.argv[3] === '--floor-calls' ? floorCallProviders(urls) : createProviders(urls);
const server = new ApolloServer<PeerContext>({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async () => createContext(providers),
});
process.stdout.write(`${JSON.stringify({ port: Number(new URL(url).port) })}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
