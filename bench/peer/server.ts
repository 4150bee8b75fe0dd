// The SDK peer, or with `--floor-calls` the core floor (bench/README.md).
// Usage: server.ts '<emulator URLs JSON>' [--floor-calls]; prints {"port":N} once listening.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { BenchProvider } from '../lib/ids.ts';
import { floorCallProviders } from './floorCalls.ts';
import { createProviders, type Providers } from './providers.ts';
import { typeDefs, type Job } from './schema.ts';

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
