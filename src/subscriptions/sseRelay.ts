import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { Identity } from '../auth/identity.ts';

export type { SharedReservations } from '../cache/sharedReservations.ts';

const digest = (value: string): string => createHash('sha256').update(value).digest('base64url');

/** A reservation's ID where the replicas share it: the SHA-256 of its token, so the store never holds a token. */
export const reservationIdOf = (token: string): string => digest(`reservation ${token}`);

/** An owner ({@link reservationOwner}) as the store sees it: a digest, so the store holds no subject. */
export const ownerIdOf = (owner: string): string => digest(`owner ${owner}`);

/** An identity as it travels in a sealed message. */
interface CarriedIdentity {
  authenticated: boolean;
  subject: string | null;
  scopes: string[];
  /** The accounts it may read, as its grant names them (every one, or the aliases). */
  accounts: { all: boolean; aliases: string[] };
  expiresAt?: number;
}

/** What a replica sends to the one holding a reservation's stream, sealed with the reservation's token. */
export interface RelayedCall {
  kind: 'op' | 'stop';
  owner: string;
  identity: CarriedIdentity;
  requestId: string;
  operationId: string;
  /** The operation (`op` only): query, variables, operationName, extensions. */
  params?: unknown;
}

/** The identity as carried in a sealed message (never the bearer token itself). */
export const carried = (identity: Identity): CarriedIdentity => ({
  authenticated: identity.authenticated,
  subject: identity.subject,
  scopes: [...identity.scopes],
  accounts: { all: identity.accounts.all, aliases: [...identity.accounts.aliases] },
  ...(identity.expiresAt === undefined ? {} : { expiresAt: identity.expiresAt }),
});

/**
 * The identity a relayed operation runs with: at most what the stream's own request proved. The
 * replica that runs it verified the stream's bearer token itself; what another replica says of
 * the operation's token is narrowed to it (the same subject, scopes in both, the earlier expiry),
 * so a message forged by someone who knows the reservation token and can write to Redis reaches no
 * further than that stream's owner already does. The accounts are the stream's grant, and only
 * when the sender's names the same accounts. Null when the subjects or the accounts differ.
 */
export function narrowedIdentity(sent: CarriedIdentity, stream: Identity): Identity | null {
  if (sent.subject !== stream.subject || sent.authenticated !== stream.authenticated) return null;
  const accounts = sent.accounts as CarriedIdentity['accounts'] | undefined;
  if (
    accounts?.all !== stream.accounts.all ||
    JSON.stringify(accounts.aliases) !== JSON.stringify(stream.accounts.aliases)
  )
    return null;
  const expiries = [sent.expiresAt, stream.expiresAt].filter((e): e is number => e !== undefined);
  return {
    authenticated: stream.authenticated,
    subject: stream.subject,
    scopes: new Set(sent.scopes.filter((s) => typeof s === 'string' && stream.scopes.has(s))),
    accounts: stream.accounts,
    ...(expiries.length > 0 ? { expiresAt: Math.min(...expiries) } : {}),
  };
}

/** The AES-256-GCM key of a reservation's messages: derived from its token, which the store never holds. */
const keyOf = (token: string): Buffer =>
  createHmac('sha256', token).update('jobgraph:sse:v1 relay').digest();

/**
 * A call sealed for the replica holding the stream (AES-256-GCM, bound to the reservation's ID):
 * only a holder of the reservation token can make or read one, so the store (and whoever reads
 * it) sees neither the operation nor who sent it, and cannot make one.
 */
export function seal(token: string, reservationId: string, call: RelayedCall): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(token), iv);
  cipher.setAAD(Buffer.from(reservationId));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(call), 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), sealed].map((b) => b.toString('base64url')).join('.');
}

/** The call in a sealed message, or undefined when it was not sealed with this token for this reservation. */
export function unseal(
  token: string,
  reservationId: string,
  sealed: string,
): RelayedCall | undefined {
  const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !body || iv.length !== 12 || tag.length !== 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(token), iv);
    decipher.setAAD(Buffer.from(reservationId));
    decipher.setAuthTag(tag);
    const text = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    const call = JSON.parse(text) as RelayedCall;
    return typeof call === 'object' && call !== null && typeof call.operationId === 'string'
      ? call
      : undefined;
  } catch {
    return undefined;
  }
}
