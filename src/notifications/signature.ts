/**
 * Standard Webhooks 1.0 signatures: `v1,` + base64 of HMAC-SHA256 over `<id>.<timestamp>.<body>`,
 * keyed by the decoded bytes of a `whsec_` secret; several (space-separated) while a rotation
 * lasts, so a receiver holding either secret verifies.
 */
import { createHmac } from 'node:crypto';

/** The HMAC key of a `whsec_` secret: the base64 after the prefix, decoded. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret,
    'base64',
  );
}

/** The `webhook-signature` header of one attempt: one `v1,` signature per secret, newest first. */
export function webhookSignature(
  id: string,
  timestampSeconds: number,
  body: string,
  secrets: readonly string[],
): string {
  return secrets
    .map(
      (s) =>
        `v1,${createHmac('sha256', signingKey(s)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`,
    )
    .join(' ');
}

/** The three Standard Webhooks headers of one attempt at `nowMs`. */
export function webhookHeaders(
  id: string,
  nowMs: number,
  body: string,
  secrets: readonly string[],
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
