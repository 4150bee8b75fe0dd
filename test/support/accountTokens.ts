import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_READ } from '../../src/auth/identity.ts';
import type { Config } from '../../src/config/index.ts';

/**
 * A jobs:read token of the gateway's key whose `accounts` claim is `accounts` (absent: no claim,
 * the default accounts only), for the per-account authorization tests.
 */
export function accountToken(
  gateway: { config: Config },
  accounts: readonly string[] | undefined,
  subject = `tenant-${accounts?.join('+') ?? 'no-claim'}`,
): Promise<string> {
  const { jwtSecret, issuer, audience } = gateway.config.auth;
  if (!jwtSecret) throw new Error('accountToken: the gateway has no HS256 key');
  return mintToken({
    secret: jwtSecret,
    scopes: [SCOPE_READ],
    subject,
    issuer,
    audience,
    ...(accounts ? { accounts } : {}),
  });
}
