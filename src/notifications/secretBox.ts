/**
 * What a notification rule stores that is itself a credential — its target URL (a Slack or Teams
 * URL is the key to post to the channel) and its `whsec_` signing secrets — sealed under a key
 * from the environment (JOBGRAPH_NOTIFY_SECRET): AES-256-GCM, the key derived by HKDF, each value
 * bound to its rule and field (the additional data), so a value moved to another rule or column
 * does not open. Whoever reads the history store reads none of them; shown, a URL is masked.
 */
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { secretValues } from '../auth/secretValues.ts';

const VERSION = 'v1';

/** The field of a rule a sealed value is for: part of what it is bound to. */
export type SealedField = 'target' | 'secret' | 'previous_secret';

export interface SecretBox {
  seal(ruleId: string, field: SealedField, value: string): string;
  /** The value sealed for (`ruleId`, `field`); throws when it was not (another key, rule or field). */
  open(ruleId: string, field: SealedField, sealed: string): string;
}

/** A box under `secret` (JOBGRAPH_NOTIFY_SECRET). */
export function createSecretBox(secret: string): SecretBox {
  const key: KeyObject = createSecretKey(
    Buffer.from(
      hkdfSync('sha256', secret, 'jobgraph notifications', `jobgraph:notify:${VERSION}`, 32),
    ),
  );
  const aad = (ruleId: string, field: SealedField) =>
    Buffer.from(`${VERSION}\n${field}\n${ruleId}`, 'utf8');
  return {
    seal(ruleId, field, value) {
      // Whatever is sealed is a credential: scrubbed from every log line from now on.
      secretValues.pin(value);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(ruleId, field));
      const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      return [VERSION, iv, body, cipher.getAuthTag()]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    open(ruleId, field, sealed) {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== VERSION || !iv || body === undefined || !tag)
        throw new Error('not a sealed notification value');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(aad(ruleId, field));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const value = Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
      secretValues.pin(value);
      return value;
    },
  };
}

/**
 * A target URL as the graph shows it: its scheme and host, never its path, query or user (a
 * Slack or Teams URL's path is its credential): `https://hooks.slack.com/…`.
 */
export function maskedUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}/…`;
}

/** A new signing secret as Standard Webhooks shows it: `whsec_` + base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
