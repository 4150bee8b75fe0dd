import { createClient, type RedisClientType } from '@keyv/redis';
import { kill, startRedisServer, type RedisServer } from '../subscriptions/clusterSupport.ts';
import { useStarted } from './useStarted.ts';

/** The redis-server of a test file or `describe` block (see `useRedis`). */
export interface UsedRedis {
  url: string;
  /** A client connected to it, for the test's own reads and writes. */
  client: RedisClientType;
  /** Another redis-server (on `port`: one brought back), killed after the block too. */
  start(port?: number): Promise<RedisServer>;
}

/**
 * A redis-server of its own and a client connected to it, started before the block's first test;
 * after its last, the client closed and every server it started killed (see `useStarted`).
 */
export function useRedis(): UsedRedis {
  const servers: RedisServer[] = [];
  const start = async (port?: number) => {
    const server = await startRedisServer(port);
    servers.push(server);
    return server;
  };
  return useStarted(
    'the redis-server',
    async () => {
      const { url } = await start();
      const client = createClient({ url }) as RedisClientType;
      await client.connect();
      return { url, client, start };
    },
    async ({ client }) => {
      if (client.isOpen) client.destroy();
      for (const server of servers) await kill(server.child);
    },
  );
}
