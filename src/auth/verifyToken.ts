import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwksCache,
  jwtVerify,
  type ExportedJWKSCache,
  type JWKSCacheInput,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { JobgraphError } from '../errors.ts';
import { DEFAULT_ACCOUNTS_ONLY, type AccountGrants } from './accountGrant.ts';
import { ANONYMOUS, type Identity } from './identity.ts';

export interface TokenSettings {
  jwtSecret: string | null;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
}

/** Asymmetric algorithms accepted from a JWKS; `none` and HMAC are never accepted there. */
const JWKS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];
/** The only algorithm accepted with JOBGRAPH_JWT_SECRET. */
const HMAC_ALGORITHMS = ['HS256'];
/** Clock tolerance for exp/nbf/iat, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/**
 * Longest a verified token is trusted without checking its signature and claims again, in ms.
 * A cached verification also ends at the token's own `exp` and, for a JWKS-signed token, as soon
 * as the key set is fetched again: a key taken out of the JWKS stops being accepted at the next
 * fetch (as without the cache) and at most this long after a token signed with it was last checked.
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** Most verified tokens remembered at once (the least recently used is forgotten first). */
const VERIFIED_TOKEN_MAX_ENTRIES = 10_000;

/** A present but invalid token: the whole request is rejected with HTTP 401. */
export class InvalidTokenError extends JobgraphError {
  constructor(reason: string) {
    super('UNAUTHENTICATED', `The bearer token is not valid: ${reason}.`, {
      http: { status: 401 },
    });
  }
}

export interface TokenVerifier {
  (authorization: string | undefined): Promise<Identity>;
  /** True once the configured JWKS has been fetched at least once (always true without one). */
  ready(): boolean;
  /**
   * Fetch the JWKS now and, until a fetch succeeds, again in the background (waits of
   * `jwksRetryMs` doubling up to 30 s). Each failure is logged at warn with the URL and cause.
   */
  start(): void;
  /** Stop the background retries. */
  stop(): void;
}

export interface TokenVerifierOptions {
  /** Where JWKS failures go (warn); without one they are not logged. */
  logger?: Pick<Logger, 'warn' | 'info'>;
  /** First wait before fetching the JWKS again after a failure, in ms (default 1000). */
  jwksRetryMs?: number;
  /** Shortest wait between two JWKS fetches caused by a token whose key is not in the set, in ms (default jose's 30 s). */
  jwksCooldownMs?: number;
  /** The accounts a token may read, from its claims; without it every token reads the default accounts only. */
  grants?: Pick<AccountGrants, 'of'>;
}

interface Verified {
  identity: Identity;
  /** Date.now() after which the verification must be done again. */
  until: number;
  /** The JWKS fetch the token was verified against (null for HS256): a newer fetch ends the entry. */
  keySet: unknown;
}

const JWKS_MAX_RETRY_MS = 30_000;

/** What a token is checked against: the HS256 key, the remote key set, the claims required. */
interface TokenKeys {
  secret: KeyObject | null;
  jwks: ReturnType<typeof createRemoteJWKSet> | null;
  /** Where jose writes each fetched key set (`fetched.jwks`, a new object per fetch). */
  fetched: JWKSCacheInput & Partial<ExportedJWKSCache>;
  claimChecks: JWTVerifyOptions;
  /** The JWKS URL as logged. */
  jwksUrl: string | null;
  logger: TokenVerifierOptions['logger'];
}

/**
 * Build the verifier once per process: HS256 with JOBGRAPH_JWT_SECRET, and/or a JWKS (one
 * cached key set) with required issuer and audience. Expiry is required. The token and its
 * payload are never logged or echoed; reasons are generic.
 */
export function createTokenVerifier(
  settings: TokenSettings,
  options: TokenVerifierOptions = {},
): TokenVerifier {
  // jose writes each fetched key set into `fetched.jwks` (a new object per fetch): how a cached
  // verification learns that the keys were fetched again.
  const fetched = {} as JWKSCacheInput & Partial<ExportedJWKSCache>;
  const keys: TokenKeys = {
    // Imported once: a raw Uint8Array would be imported again on every verification.
    secret: settings.jwtSecret ? createSecretKey(Buffer.from(settings.jwtSecret, 'utf8')) : null,
    jwks: settings.jwksUrl
      ? createRemoteJWKSet(new URL(settings.jwksUrl), {
          [jwksCache]: fetched,
          ...(options.jwksCooldownMs !== undefined
            ? { cooldownDuration: options.jwksCooldownMs }
            : {}),
        })
      : null,
    fetched,
    claimChecks: {
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp'],
      ...(settings.issuer ? { issuer: settings.issuer } : {}),
      ...(settings.audience ? { audience: settings.audience } : {}),
    },
    jwksUrl: settings.jwksUrl ? loggableUrl(settings.jwksUrl) : null,
    logger: options.logger,
  };
  const verified = new VerifiedTokens();
  const verify = async (authorization: string | undefined): Promise<Identity> => {
    if (authorization === undefined || authorization.trim() === '') return ANONYMOUS;
    const match = /^Bearer[ ]+([A-Za-z0-9_\-.=]+)\s*$/i.exec(authorization);
    if (!match) throw new InvalidTokenError('the Authorization header must be "Bearer <token>"');
    const token = match[1] as string;
    const known = verified.get(token, fetched.jwks);
    if (known) return known;
    const { payload, keySet } = await checkToken(token, keys);
    const identity = identityOf(payload, options.grants, token);
    verified.remember(token, identity, payload, keySet);
    return identity;
  };
  return Object.assign(verify, jwksFetcher(keys, options.jwksRetryMs ?? 1000));
}

/**
 * Verified tokens, keyed by the token itself (held in memory only, like the request that
 * carried it; never logged), in order of verification.
 */
class VerifiedTokens {
  private readonly verified = new LRUCache<string, Verified>({ max: VERIFIED_TOKEN_MAX_ENTRIES });

  /** The identity of a token verified before, while its entry holds (not past `until`, the same key set). */
  get(token: string, currentKeySet: unknown): Identity | undefined {
    const known = this.verified.get(token);
    if (!known) return undefined;
    if (Date.now() < known.until && (known.keySet === null || known.keySet === currentKeySet))
      return known.identity;
    this.verified.delete(token);
    return undefined;
  }

  remember(token: string, identity: Identity, payload: JWTPayload, keySet: unknown): void {
    const { verified } = this;
    const until = Math.min(Date.now() + VERIFIED_TOKEN_TTL_MS, (payload.exp as number) * 1000);
    if (!(until > Date.now())) return; // expired but within the clock tolerance: verify each time
    verified.set(token, { identity, until, keySet });
  }
}

/** A token's signature and claims checked by its algorithm's keys: its payload, and the JWKS fetch it was checked against (null for HS256). */
async function checkToken(
  token: string,
  keys: TokenKeys,
): Promise<{ payload: JWTPayload; keySet: unknown }> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new InvalidTokenError('it is not a JWT');
  }
  try {
    if (alg && HMAC_ALGORITHMS.includes(alg) && keys.secret) {
      const { payload } = await jwtVerify(token, keys.secret, {
        ...keys.claimChecks,
        algorithms: HMAC_ALGORITHMS,
      });
      return { payload, keySet: null };
    }
    if (alg && JWKS_ALGORITHMS.includes(alg) && keys.jwks) {
      const { payload } = await jwtVerify(token, keys.jwks, {
        ...keys.claimChecks,
        algorithms: JWKS_ALGORITHMS,
      });
      return { payload, keySet: keys.fetched.jwks };
    }
    throw new InvalidTokenError('its signing algorithm is not accepted');
  } catch (err) {
    if (err instanceof InvalidTokenError) throw err;
    const reason = reasonOf(err);
    // Likely not the token's fault: the key set could not be fetched or read. The operator needs to know.
    if (reason === UNVERIFIABLE && alg !== undefined && JWKS_ALGORITHMS.includes(alg)) {
      keys.logger?.warn(
        { jwksUrl: keys.jwksUrl, cause: causeOf(err) },
        'a token could not be verified with the JWKS: it could not be fetched or read',
      );
    }
    throw new InvalidTokenError(reason);
  }
}

/**
 * The caller a verified token names for the request rate (Identity.callerKey): its issuer and
 * subject, else its issuer and ID, else the token itself, as a digest (keys and logs never hold them).
 */
export function callerKeyOf(payload: JWTPayload, token: string): string {
  const iss = typeof payload.iss === 'string' ? payload.iss : '';
  const named =
    typeof payload.sub === 'string'
      ? ['sub', iss, payload.sub]
      : typeof payload.jti === 'string'
        ? ['jti', iss, payload.jti]
        : ['token', token];
  return createHash('sha256').update(JSON.stringify(named)).digest('base64url');
}

/** Who a verified payload says is calling. */
function identityOf(
  payload: JWTPayload,
  grants: TokenVerifierOptions['grants'],
  token: string,
): Identity {
  return Object.freeze({
    authenticated: true,
    subject: typeof payload.sub === 'string' ? payload.sub : null,
    scopes: scopesOf(payload),
    accounts: grants ? grants.of(payload) : DEFAULT_ACCOUNTS_ONLY,
    ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
    callerKey: callerKeyOf(payload, token),
  });
}

/** The JWKS fetched at start and again until it is (doubling waits up to JWKS_MAX_RETRY_MS): readiness, start, stop. */
function jwksFetcher(
  keys: TokenKeys,
  firstWaitMs: number,
): Pick<TokenVerifier, 'ready' | 'start' | 'stop'> {
  const { jwks, jwksUrl, logger } = keys;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const ready = (): boolean => jwks === null || jwks.jwks() !== undefined;
  const fetchKeys = (nextWaitMs: number): void => {
    if (!jwks || stopped || ready()) return;
    jwks.reload().then(
      () => logger?.info({ jwksUrl }, 'JWKS fetched'),
      (err: unknown) => {
        if (stopped || ready()) return;
        logger?.warn(
          { jwksUrl, cause: causeOf(err), retryInMs: nextWaitMs },
          'the JWKS could not be fetched: tokens signed with its keys cannot be verified, and /readyz answers 503 until it is',
        );
        timer = setTimeout(
          () => fetchKeys(Math.min(nextWaitMs * 2, JWKS_MAX_RETRY_MS)),
          nextWaitMs,
        );
        timer.unref();
      },
    );
  };
  return {
    ready,
    start: () => {
      stopped = false;
      fetchKeys(firstWaitMs);
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** The URL for a log line: scheme, host and path; never user info or a query (either may hold a credential). */
function loggableUrl(value: string): string {
  const url = new URL(value);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** A fetch failure's message and its cause's code (ECONNREFUSED, ENOTFOUND…): no response body, no token. */
function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string'
        ? cause.message
        : null;
  return detail ? `${err.message} (${detail})` : err.message;
}

function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'it has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `its "${err.claim}" claim is not accepted`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'its signature does not verify';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'its signing algorithm is not accepted';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the key set matches it';
  return UNVERIFIABLE;
}

const UNVERIFIABLE = 'it could not be verified';

/** Scopes from `scope` (space-separated string) and/or `scp` (array of strings). */
function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  const out = new Set<string>();
  if (typeof payload.scope === 'string')
    for (const s of payload.scope.split(/\s+/)) if (s) out.add(s);
  if (Array.isArray(payload.scp))
    for (const s of payload.scp) if (typeof s === 'string' && s) out.add(s);
  return out;
}
