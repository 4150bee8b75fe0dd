import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_NOTIFY, SCOPE_OPERATE, SCOPE_READ, SCOPE_WRITE } from '../../src/auth/identity.ts';
import { DEMO_SECOND_AWS_ACCOUNT, DEMO_SECOND_TENCENT_ACCOUNT } from '@jobgraph/emulators';
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

/**
 * The notification tests' tokens (jobs:read and notify): every account, COS Batch's staging by its
 * UIN, AWS's staging by its account ID, and staging by alias (both clouds).
 */
export async function notifyTokens(gateway: { config: Config }): Promise<{
  every: string;
  cosStaging: string;
  awsStaging: string;
  staging: string;
}> {
  const scopes = [SCOPE_READ, SCOPE_NOTIFY];
  const token = (accounts: readonly string[], subject: string) =>
    accountToken(gateway, accounts, subject, scopes);
  return {
    every: await token(['*'], 'every-ann'),
    cosStaging: await token([DEMO_SECOND_TENCENT_ACCOUNT.uin], 'cos-bo'),
    awsStaging: await token([DEMO_SECOND_AWS_ACCOUNT.accountId], 'aws-cy'),
    staging: await token(['staging'], 'staging-di'),
  };
}
