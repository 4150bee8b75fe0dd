/**
 * The demo's webhook receiver: where a newcomer's first notification rule delivers. It verifies
 * each delivery as a Standard Webhooks 1.0 receiver does — written here on its own, not with
 * jobgraph's signer (src/notifications/signature.ts), so it can catch that code's bugs: the
 * `v1,` signatures of `webhook-signature` (space-separated) compared in constant time with an
 * HMAC-SHA256 of `id.timestamp.body` under the decoded `whsec_` secret, the timestamp within
 * five minutes. Its secret is set with `PUT /secret` (the `whsec_…` createNotificationRule
 * showed; until then it answers 503, so jobgraph tries again); `GET /deliveries` lists what came,
 * newest last, each verified or why not.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery as the receiver saw it. */
interface ReceivedDelivery {
  id: string | null;
  at: string;
  type: string | null;
  /** 'verified', or why not. */
  verification: string;
}

export interface WebhookReceiver {
  url: string;
  /** Where rules deliver: `<url>/hooks/demo`. */
  hookUrl: string;
  deliveries: ReceivedDelivery[];
  close(): Promise<void>;
}

/** Most deliveries kept (the newest). */
const KEEP = 200;
/** Most bytes of a delivery read. */
const MAX_BODY = 256 * 1024;
const TOLERANCE_S = 5 * 60;

/** Why a delivery does not verify under `secret`, or 'verified'. */
export function verifyDelivery(
  secret: string | null,
  headers: http.IncomingHttpHeaders,
  body: Buffer,
  nowMs: number,
): string {
  if (secret === null) return 'no secret set (PUT /secret with the rule’s whsec_ secret)';
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string')
    return 'missing webhook-id, webhook-timestamp or webhook-signature';
  if (!/^\d+$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > TOLERANCE_S)
    return 'timestamp outside five minutes';
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]))
    .digest();
  for (const signature of signatures.split(' ')) {
    const [version, value] = signature.split(',');
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return 'verified';
  }
  return 'no signature matches';
}

/** Start the receiver on 127.0.0.1 (`port` 0: any free port). */
export async function startWebhookReceiver(
  options: { port?: number; now?: () => number } = {},
): Promise<WebhookReceiver> {
  const now = options.now ?? Date.now;
  let secret: string | null = null;
  const deliveries: ReceivedDelivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'PUT' && path === '/secret') {
        const given = body.toString('utf8').trim();
        if (!/^whsec_[A-Za-z0-9+/=]+$/.test(given))
          return void res.writeHead(400).end('expected a whsec_ secret\n');
        secret = given;
        return void res.writeHead(204).end();
      }
      if (req.method === 'GET' && path === '/deliveries')
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(deliveries, null, 2));
      if (req.method !== 'POST' || !path?.startsWith('/hooks/'))
        return void res.writeHead(404).end();
      let type: string | null;
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { type?: unknown };
        type = typeof parsed.type === 'string' ? parsed.type : null;
      } catch {
        type = null;
      }
      const verification = verifyDelivery(secret, req.headers, body, now());
      const id = req.headers['webhook-id'];
      deliveries.push({
        id: typeof id === 'string' ? id : null,
        at: new Date(now()).toISOString(),
        type,
        verification,
      });
      if (deliveries.length > KEEP) deliveries.shift();
      // Before its secret is set, a 503: jobgraph tries again (5 s, then 5 min) and the retry, once
      // the secret is set, verifies. A signature that fails is a 401: not tried again.
      res.writeHead(verification === 'verified' ? 200 : secret === null ? 503 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hookUrl: `${url}/hooks/demo`,
    deliveries,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
