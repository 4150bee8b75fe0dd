import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { EmulatorSet } from '@jobgraph/emulators';
import { accountToken } from './accountTokens.ts';
import { withDefaultDemoAccounts } from './defaultAccounts.ts';
import { LogCapture } from './gateway.ts';

/**
 * A demo-mode gateway on `emulators` with their default accounts only (`withDefaultDemoAccounts`),
 * on a free port, logging at info into a capture, with a random JWT secret (`env` laid over those
 * variables); and a jobs:read token of `subject` from its key.
 */
export async function startDefaultAccountsGateway(
  emulators: EmulatorSet,
  subject: string,
  env: Record<string, string> = {},
  options: GatewayOptions = {},
): Promise<{ gateway: Gateway; token: string }> {
  const base = loadConfig(
    { mode: 'demo' },
    {
      LOG_LEVEL: 'info',
      JOBGRAPH_JWT_SECRET: randomBytes(32).toString('base64url'),
      // Its history in a folder of its own, never the working tree's ./jobgraph-data.
      JOBGRAPH_DATA_DIR: mkdtempSync(join(tmpdir(), 'jobgraph-default-accounts-')),
      ...env,
    },
  );
  const config = { ...withDefaultDemoAccounts(base, emulators), port: 0 };
  const gateway = await startGateway(config, { logDestination: new LogCapture(), ...options });
  return { gateway, token: await accountToken({ config }, undefined, subject) };
}
