import { createHook } from 'node:async_hooks';
import type { AwsCredentialIdentity } from '@smithy/types';
import { describe, expect, it, vi } from 'vitest';
import { AwsAccounts } from '../../../src/datasources/shared/accounts.ts';
import { liveConfig } from '../../support/liveConfig.ts';

describe('AwsAccounts', () => {
  it("tells the default account's credentials as they are resolved, once each, so their secrets are registered for scrubbing", async () => {
    const told: AwsCredentialIdentity[] = [];
    const credentials = {
      accessKeyId: 'AKIAEXAMPLEDEFAULT',
      secretAccessKey: 'default-chain-secret-key-0123456789',
      sessionToken: 'default-chain-session-token-0123456789',
    };
    const accounts = new AwsAccounts(
      { ...liveConfig(), awsCredentials: credentials },
      { learned: (identity) => told.push(identity) },
    );
    await accounts.credentials(undefined);
    await accounts.credentials('default');
    expect(told).toEqual([expect.objectContaining(credentials)]);
  });

  it("asks the standard chain, once it is loaded, with one promise a call beside the chain's own", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAEXAMPLECHAIN');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'standard-chain-secret-key-0123456789');
    try {
      const { awsCredentials: _given, ...standardChain } = liveConfig();
      const accounts = new AwsAccounts(standardChain);
      const first = await accounts.credentials(undefined);
      expect(first.accessKeyId).toBe('AKIAEXAMPLECHAIN');
      let made = 0;
      const hook = createHook({ init: (_id, type) => void (type === 'PROMISE' && made++) });
      const calls = 20;
      hook.enable();
      try {
        for (let i = 0; i < calls; i++) expect(await accounts.credentials(undefined)).toBe(first);
      } finally {
        hook.disable();
      }
      // The chain's memoized answer, this account's `then` and the test's await: 3 a call (60);
      // an async function at each of the two steps made 7 a call (140).
      expect(made).toBeLessThanOrEqual(3 * calls + 5);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
