import { createClient, type RedisClientType } from '@keyv/redis';
import type { EmulatorSet } from '@jobgraph/emulators';
import { kill, startRedisServer, type RedisServer } from '../subscriptions/clusterSupport.ts';
import { useEmulatorSet } from './useEmulator.ts';
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

/**
 * A redis-server of its own (`useRedis`) and the emulator set, for a block whose compiled replicas
 * share both: started before the block's first test, closed after its last (after the block's own
 * `afterAll`, which stops its replicas: after hooks run as a stack).
 */
export function useRedisEmulators(): { redis: UsedRedis; emulators: EmulatorSet } {
  const redis = useRedis();
  const emulators = useEmulatorSet();
  return { redis, emulators };
}
