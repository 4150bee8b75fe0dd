/**
 * The SDK peer (bench/README.md), or with `--floor-calls` the core floor (./floorCalls.ts).
 * Usage: node --import tsx bench/peer/server.ts '<emulator URLs as JSON>' [--floor-calls];
 * prints {"port":N} once listening on 127.0.0.1.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { BenchProvider } from '../lib/ids.ts';
import { floorCallProviders } from './floorCalls.ts';
import { createProviders } from './providers.ts';
import { createContext, resolvers, type PeerContext } from './resolvers.ts';
import { typeDefs } from './schema.ts';

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
