import { ConfigError, int, urlIn, type Env } from './env.ts';
import { DEFAULT_ACCOUNT, PATTERNS } from './patterns.ts';
import type { Config, EventQueue } from './types.ts';

/**
 * A queue URL as SQS names queues (`https://sqs.<region>.amazonaws.com/<account>/<name>`, the
 * legacy `https://<region>.queue.amazonaws.com/…`, or an emulator's `http://127.0.0.1:4110/<account>/<name>`):
 * its region from the host where AWS's host names it (else `fallbackRegion`: an emulator or a
 * VPC endpoint), the owning account's 12-digit ID and the queue name from the path.
 */
function queueOf(alias: string, raw: string, fallbackRegion: string): EventQueue {
  const url = urlIn('JOBGRAPH_EVENT_QUEUES', raw, ['https:', 'http:'], {
    notUrl:
      'an item is not a URL (expected e.g. https://sqs.us-east-1.amazonaws.com/111122223333/jobgraph-events)',
    otherProtocol: 'queue URLs must be http:// or https://',
  });
  const path = /^\/(\d{12})\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)\/?$/.exec(url.pathname);
  if (!path)
    throw new ConfigError(
      'JOBGRAPH_EVENT_QUEUES',
      'a queue URL must end in /<12-digit account ID>/<queue name>',
    );
  const host =
    /^sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$|^([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?$/.exec(
      url.hostname,
    );
  const region = host?.[1] ?? host?.[2] ?? fallbackRegion;
  if (!PATTERNS.awsRegion.re.test(region))
    throw new ConfigError('JOBGRAPH_EVENT_QUEUES', `a queue URL names no AWS region`);
  const accountId = path[1] as string;
  const name = path[2] as string;
  return {
    alias,
    url: url.href.replace(/\/$/, ''),
    region,
    accountId,
    name,
    label: `${alias}:${region}:${name}`,
  };
}

/**
 * JOBGRAPH_EVENT_QUEUES (`url,alias=url,…`; `alias=` reads that queue with the alias's
 * credentials, assumed roles included, the default account's otherwise) and
 * JOBGRAPH_EVENT_RECONCILE_SECONDS and JOBGRAPH_EVENT_MAX_RECEIVES. `queues` is null when the
 * variable is unset (the demo then consumes its own emulated queues), [] when it is set but empty
 * (events off).
 */
export function eventsOf(
  env: Env,
  awsRegion: string,
  aliases: readonly string[],
): Config['events'] {
  const raw = env.JOBGRAPH_EVENT_QUEUES;
  const reconcileMs = int(env, 'JOBGRAPH_EVENT_RECONCILE_SECONDS', 300, 1, 86_400) * 1000;
  const maxReceives = int(env, 'JOBGRAPH_EVENT_MAX_RECEIVES', 5, 1, 1000);
  if (raw === undefined) return { queues: null, reconcileMs, maxReceives };
  const seen = new Set<string>();
  const queues = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      // An alias is a name before `=` that is not part of the URL (a URL has `://` before any `=`).
      const eq = item.indexOf('=');
      const aliased = eq > 0 && !item.slice(0, eq).includes(':');
      const alias = aliased ? item.slice(0, eq).trim() : DEFAULT_ACCOUNT;
      if (aliased && alias !== DEFAULT_ACCOUNT && !aliases.includes(alias))
        throw new ConfigError(
          'JOBGRAPH_EVENT_QUEUES',
          `${JSON.stringify(alias.slice(0, 64))} is not an alias of JOBGRAPH_AWS_ACCOUNTS`,
        );
      const queue = queueOf(alias, aliased ? item.slice(eq + 1).trim() : item, awsRegion);
      if (seen.has(queue.url))
        throw new ConfigError('JOBGRAPH_EVENT_QUEUES', `the queue ${queue.name} is named twice`);
      seen.add(queue.url);
      return queue;
    });
  return { queues, reconcileMs, maxReceives };
}
