import { SignJWT } from 'jose/jwt/sign'; // not 'jose': its index loads every JOSE algorithm (slower `jobgraph token`)

export interface MintOptions {
  secret: string;
  scopes: readonly string[];
  subject?: string;
  /** Lifetime in seconds, default 12 hours. */
  ttlSeconds?: number;
  issuer?: string | null;
  audience?: string | null;
  /** The accounts the token may read (aliases, `default`, account IDs, `*`); absent: no claim (the default accounts only). */
  accounts?: readonly string[];
  /** The claim they go in (JOBGRAPH_ACCOUNTS_CLAIM), default `accounts`. */
  accountsClaim?: string;
}

/** Mint an HS256 development token (`npm start` and `jobgraph token`). */
export async function mintToken(options: MintOptions): Promise<string> {
  const claims: Record<string, unknown> = { scope: options.scopes.join(' ') };
  if (options.accounts) claims[options.accountsClaim ?? 'accounts'] = [...options.accounts];
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject ?? 'jobgraph-dev')
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 12 * 3600}s`);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
