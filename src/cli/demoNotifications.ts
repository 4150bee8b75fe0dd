import type { DemoGateway } from '../app.ts';

/**
 * How to see a notification in a minute (docs/notifications.md): a rule on the demo's progressing
 * Batch job delivering to the demo's webhook receiver, which verifies each delivery.
 */
export function demoNotificationLines(gateway: DemoGateway): string[] {
  if (gateway.notifications === null) return [];
  const receiver = gateway.webhookReceiver;
  const mutation = `mutation { createNotificationRule(input: {name: \\"demo\\", filter: {providers: [AWS_BATCH], text: \\"align-progressing\\"}, on: [STARTED, SUCCEEDED, FAILED], target: {kind: WEBHOOK, url: \\"${receiver.hookUrl}\\"}}) { secret rule { id } } }`;
  return [
    '  Notifications: a rule on the progressing Batch job delivers to the demo webhook receiver,',
    '  which verifies each Standard Webhooks signature (docs/notifications.md):',
    ...curlLines(gateway.server.url, gateway.tokens.notify, mutation),
    '  then give the receiver the whsec_ secret it answered, and within a minute see the deliveries:',
    `    curl -X PUT ${receiver.url}/secret --data 'whsec_…'`,
    `    curl ${receiver.url}/deliveries`,
    '',
  ];
}

/** A curl that posts `query` (escaped for a JSON string) to the gateway at `url` with `token`, as banner lines. */
export function curlLines(url: string, token: string, query: string): string[] {
  return [
    `    curl -s ${url} -H 'content-type: application/json' \\`,
    `      -H 'authorization: Bearer ${token}' \\`,
    `      -d '{"query":"${query}"}'`,
  ];
}
