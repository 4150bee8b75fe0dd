import { afterAll, beforeAll } from 'vitest';
import { startPostgresServer, type PostgresServer } from './postgresServer.ts';
import { realPart } from './realParts.ts';

export type { PostgresServer };

/**
 * A throwaway PostgreSQL cluster for a test file: initdb into a temporary folder and started on a
 * free loopback port as the `postgres` OS user (postgres refuses to run as root, which the tests
 * are), its socket in that folder; stopped and removed after the file. Skipped with one line
 * where Debian's postgresql is missing, failing under CI (realParts.ts).
 */
export function usePostgres(): { skip: boolean; server: () => PostgresServer } {
  const part = realPart('postgresql');
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    if (!part.skip) server = await startPostgresServer(part.missing);
  }, 60_000);
  afterAll(() => server?.stop());
  return {
    skip: part.skip,
    server: () => {
      if (!server) throw new Error('PostgreSQL did not start');
      return server;
    },
  };
}
