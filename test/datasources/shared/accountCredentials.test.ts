import type { AwsCredentialIdentity } from '@smithy/types';
import { describe, expect, it } from 'vitest';
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
});
