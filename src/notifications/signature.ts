/**
 * Standard Webhooks 1.0 signatures: `v1,` + base64 of HMAC-SHA256 over `<id>.<timestamp>.<body>`,
 * keyed by the decoded bytes of a `whsec_` secret; several (space-separated) while a rotation
 * lasts, so a receiver holding either secret verifies.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** The HMAC key of a `whsec_` secret: the base64 after the prefix, decoded. */
function signingKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret,
    'base64',
  );
}

/** The HMAC key of a `whsec_` secret, made once to sign many bodies (openedValues.ts keeps it). */
export function signingKeyObject(secret: string): KeyObject {
  return createSecretKey(signingKey(secret));
}

/**
 * The `webhook-signature` header of one attempt: one `v1,` signature per secret (or its key),
 * newest first; the signed content `<id>.<timestamp>.<body>` is fed in parts, the body not copied.
 */
function webhookSignature(
  id: string,
  timestampSeconds: number,
  body: string,
  secrets: readonly (string | KeyObject)[],
): string {
  return secrets
    .map((s) => {
      const hmac = createHmac('sha256', typeof s === 'string' ? signingKey(s) : s);
      return `v1,${hmac.update(`${id}.${timestampSeconds}.`).update(body).digest('base64')}`;
    })
    .join(' ');
}

/** The three Standard Webhooks headers of one attempt at `nowMs`. */
export function webhookHeaders(
  id: string,
  nowMs: number,
  body: string,
  secrets: readonly (string | KeyObject)[],
): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    ...(secrets.length > 0
      ? { 'webhook-signature': webhookSignature(id, timestamp, body, secrets) }
      : {}),
  };
}
