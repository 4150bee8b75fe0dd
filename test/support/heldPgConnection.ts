// Run as a child process by test/history/postgresGone.test.ts: opens the history store named by
// JOBGRAPH_TEST_PG_URL as the gateway does, holds one of its connections (Kysely's public
// `connection()`), says "held", and waits for the parent to stop the server under it. A process
// that survives prints "alive" and exits 0; one that does not dies of an uncaught 'error' event.
import { openHistoryDatabase } from '../../src/history/database.ts';

const url = process.env.JOBGRAPH_TEST_PG_URL ?? '';
const opened = await openHistoryDatabase({ kind: 'postgres', url });
if (!opened) throw new Error('no history store');
const gone = new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
await opened.db
  .connection()
  .execute(async (held) => {
    await held.selectFrom('jobs').select('seq').limit(1).execute();
    process.stdout.write('held\n');
    await gone; // the parent stopped the server: the held connection's socket has ended
    await new Promise((resolve) => setTimeout(resolve, 300));
    await held.selectFrom('jobs').select('seq').limit(1).execute();
  })
  .catch((e: unknown) => process.stdout.write(`query failed: ${(e as Error).message}\n`));
process.stdout.write('alive\n');
await opened.close().catch(() => undefined);
process.exit(0);
