// The one way a benchmark starts what it measures; `runBench` stops it all, and what `track` got.
import { startEmulatorProcess } from './emulators.ts';
import { randomBytes } from 'node:crypto';
import { mintToken } from '../../src/auth/mintToken.ts';
import { startGateway, type GatewayOptions } from './gateway.ts';

export interface Stoppable {
  stop(): Promise<unknown>;
}

/** What runBench stops when the benchmark ends, last started first. */
const live = new Set<Stoppable>();

export function track<T extends Stoppable>(thing: T): T {
  live.add(thing);
  return thing;
}

/** Stop one tracked thing now (e.g. a probe gateway) and forget it. */
export async function release(thing: Stoppable): Promise<void> {
  live.delete(thing);
  await thing.stop();
}

async function stopAll(): Promise<void> {
  for (const thing of [...live].reverse()) await thing.stop().catch(() => undefined);
  live.clear();
}

export type Log = (message: string) => void;

/** `[name] message` on stderr (stdout stays for a benchmark's own output). */
export function logger(name: string, clock?: () => string): Log {
  return (message) => process.stderr.write(`[${name}${clock ? ` ${clock()}` : ''}] ${message}\n`);
}

/** Stops all tracked however it ends; exits 0 when done (no socket keeps it up), 1 on failure. */
export function runBench(log: Log, body: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      log(`${signal}: stopping the gateways and emulators`);
      void stopAll().finally(() => process.exit(130));
    });
  body().then(
    async () => {
      await stopAll();
      process.exit(0);
    },
    async (err: unknown) => {
      log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      await stopAll();
      process.exit(1);
    },
  );
}

/** A token with scope jobs:read for `subject` (each subject is one caller). */
export const readToken = (jwtSecret: string, subject: string, accounts?: string[]) =>
  mintToken({ secret: jwtSecret, scopes: ['jobs:read'], subject, ...(accounts && { accounts }) });

export type Stack = Awaited<ReturnType<typeof startStack>>;

/**
 * The emulators, the tokens (`headers`: jobs:read; `secretsToken`: secrets too; `callerToken`: a
 * caller's own) and `gateway`: a tracked gateway over them.
 */
export async function startStack(
  options: { latencyMs?: number; jobsPerSource?: number; keepAliveMs?: number } = {},
) {
  const { latencyMs = 0, ...emulatorOptions } = options;
  const emulators = track(await startEmulatorProcess(latencyMs, emulatorOptions));
  // Tracked before the gateways: stopped after them.
  const jwtSecret = randomBytes(32).toString('base64url');
  const token = await readToken(jwtSecret, 'bench');
  const scopes = ['jobs:read', 'jobs:secrets:read'];
  const secretsToken = await mintToken({ secret: jwtSecret, scopes, subject: 'bench-secrets' });
  const upstream = { upstreamEnv: emulators.env, jwtSecret };
  return {
    emulators,
    jwtSecret,
    secretsToken,
    headers: { authorization: `Bearer ${token}` } as Record<string, string>,
    callerToken: (subject: string, accounts?: string[]) => readToken(jwtSecret, subject, accounts),
    gateway: async (chosen: Partial<Omit<GatewayOptions, keyof typeof upstream>> = {}) =>
      track(await startGateway({ label: 'gateway', ...chosen, ...upstream })),
  };
}
