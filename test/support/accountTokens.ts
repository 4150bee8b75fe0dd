import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_OPERATE, SCOPE_READ, SCOPE_WRITE } from '../../src/auth/identity.ts';
import type { Config } from '../../src/config/index.ts';

/**
 * A jobs:read token of the gateway's key whose `accounts` claim is `accounts` (absent: no claim,
 * the default accounts only), for the per-account authorization tests.
 */
export function accountToken(
  gateway: { config: Config },
  accounts: readonly string[] | undefined,
  subject = `tenant-${accounts?.join('+') ?? 'no-claim'}`,
  scopes: readonly string[] = [SCOPE_READ],
): Promise<string> {
  const { jwtSecret, issuer, audience } = gateway.config.auth;
  if (!jwtSecret) throw new Error('accountToken: the gateway has no HS256 key');
  return mintToken({
    secret: jwtSecret,
    scopes: [...scopes],
    subject,
    issuer,
    audience,
    ...(accounts ? { accounts } : {}),
  });
}

/** `accountToken` with `jobs:write` beside `jobs:read`: a token that may act on jobs (docs/actions.md). */
export function writerToken(
  gateway: { config: Config },
  accounts: readonly string[] | undefined,
  subject: string,
): Promise<string> {
  return accountToken(gateway, accounts, subject, [SCOPE_READ, SCOPE_WRITE]);
}

/** A token of the gateway's key with the operators' scope (`jobgraph:operate`) and nothing else. */
export function operatorToken(gateway: { config: Config }): Promise<string> {
  const { jwtSecret, issuer, audience } = gateway.config.auth;
  if (!jwtSecret) throw new Error('operatorToken: the gateway has no HS256 key');
  return mintToken({
    secret: jwtSecret,
    scopes: [SCOPE_OPERATE],
    subject: 'operator',
    issuer,
    audience,
  });
}

/**
 * `/readyz` of the server at `url` (any URL of it), as `token` (none: anonymous) sees it: the
 * status and the body.
 */
export async function readyz(
  url: string,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL('/readyz', url), {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
