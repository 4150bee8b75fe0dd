import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { JobgraphError } from '../errors.ts';
import { ANONYMOUS, type Identity } from './identity.ts';

export interface TokenSettings {
  jwtSecret: string | null;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
}

/** Asymmetric algorithms accepted from a JWKS; `none` and HMAC are never accepted there. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];
/** The only algorithm accepted with JOBGRAPH_JWT_SECRET. */
const HMAC_ALGORITHMS = ['HS256'];
/** Clock tolerance for exp/nbf/iat, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** A present but invalid token: the whole request is rejected with HTTP 401. */
export class InvalidTokenError extends JobgraphError {
  constructor(reason: string) {
    super('UNAUTHENTICATED', `The bearer token is not valid: ${reason}.`, { http: { status: 401 } });
  }
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Identity>;

/**
 * Build the verifier once per process: HS256 with JOBGRAPH_JWT_SECRET, and/or a JWKS (one
 * cached key set) with required issuer and audience. Expiry is required. The token and its
 * payload are never logged or echoed; reasons are generic.
 */
export function createTokenVerifier(settings: TokenSettings): TokenVerifier {
  // Imported once: a raw Uint8Array would be imported again on every verification.
  const secret = settings.jwtSecret ? createSecretKey(Buffer.from(settings.jwtSecret, 'utf8')) : null;
  const jwks = settings.jwksUrl ? createRemoteJWKSet(new URL(settings.jwksUrl)) : null;
  const claimChecks = {
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp'],
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
  };

  return async (authorization) => {
    if (authorization === undefined || authorization.trim() === '') return ANONYMOUS;
    const match = /^Bearer[ ]+([A-Za-z0-9_\-.=]+)\s*$/i.exec(authorization);
    if (!match) throw new InvalidTokenError('the Authorization header must be "Bearer <token>"');
    const token = match[1] as string;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new InvalidTokenError('it is not a JWT');
    }
    let payload: JWTPayload;
    try {
      if (alg && HMAC_ALGORITHMS.includes(alg) && secret) {
        ({ payload } = await jwtVerify(token, secret, { ...claimChecks, algorithms: HMAC_ALGORITHMS }));
      } else if (alg && JWKS_ALGORITHMS.includes(alg) && jwks) {
        ({ payload } = await jwtVerify(token, jwks, { ...claimChecks, algorithms: JWKS_ALGORITHMS }));
      } else {
        throw new InvalidTokenError('its signing algorithm is not accepted');
      }
    } catch (err) {
      if (err instanceof InvalidTokenError) throw err;
      throw new InvalidTokenError(reasonOf(err));
    }
    return { authenticated: true, subject: typeof payload.sub === 'string' ? payload.sub : null, scopes: scopesOf(payload) };
  };
}

function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'it has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `its "${err.claim}" claim is not accepted`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'its signing algorithm is not accepted';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the key set matches it';
  return 'it could not be verified';
}

/** Scopes from `scope` (space-separated string) and/or `scp` (array of strings). */
export function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  const out = new Set<string>();
  if (typeof payload.scope === 'string') for (const s of payload.scope.split(/\s+/)) if (s) out.add(s);
  if (Array.isArray(payload.scp)) for (const s of payload.scp) if (typeof s === 'string' && s) out.add(s);
  return out;
}
