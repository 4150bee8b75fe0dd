import { ConfigError, int, urlIn, type Env } from './env.ts';
import { DEFAULT_ACCOUNT, PATTERNS } from './patterns.ts';
import type { Config, EventQueue } from './types.ts';

/**
 * A queue URL as SQS names queues (`https://sqs.<region>.amazonaws.com/<account>/<name>`, the
 * legacy `https://<region>.queue.amazonaws.com/…`, or an emulator's `http://127.0.0.1:4110/<account>/<name>`):
 * its region from the host where AWS's host names it (else `fallbackRegion`: an emulator or a
 * VPC endpoint), the owning account's 12-digit ID and the queue name from the path.
 */
function queueOf(speaksFor: readonly string[], raw: string, fallbackRegion: string): EventQueue {
  const alias = speaksFor[0] as string;
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
    speaksFor,
    url: url.href.replace(/\/$/, ''),
    region,
    accountId,
    name,
    label: `${alias}:${region}:${name}`,
  };
}

/**
 * The accounts an item's name part declares (`reader` or `reader+other+…`): each `default` or an
 * alias of JOBGRAPH_AWS_ACCOUNTS, none twice. The first reads the queue.
 */
function voicesOf(name: string, aliases: readonly string[]): string[] {
  const voices = name.split('+').map((a) => a.trim());
  for (const alias of voices) {
    if (alias !== DEFAULT_ACCOUNT && !aliases.includes(alias))
      throw new ConfigError(
        'JOBGRAPH_EVENT_QUEUES',
        `${JSON.stringify(alias.slice(0, 64))} is not an alias of JOBGRAPH_AWS_ACCOUNTS (nor "default")`,
      );
  }
  if (new Set(voices).size !== voices.length)
    throw new ConfigError('JOBGRAPH_EVENT_QUEUES', 'a queue names an account twice');
  return voices;
}

/**
 * JOBGRAPH_EVENT_QUEUES (`url,alias=url,reader+other=url,…`), JOBGRAPH_EVENT_RECONCILE_SECONDS,
 * and JOBGRAPH_EVENT_MISS_GRACE_SECONDS. A queue speaks only for the accounts it is declared for, in
 * its own region: a bare URL for the default account, `alias=url` for that alias's account (read
 * with its credentials, assumed roles included), a collector `reader+other+…=url` for each account
 * listed (read with the first one's credentials; `default` names the default account). An event
 * of any other account or region on it is rejected: the queue's policy is what stands between a
 * sender and the jobs it may speak of. `queues` is null when the variable is unset (the demo then
 * consumes its own emulated queues), [] when it is set but empty (events off).
 */
export function eventsOf(
  env: Env,
  awsRegion: string,
  aliases: readonly string[],
): Config['events'] {
  const raw = env.JOBGRAPH_EVENT_QUEUES;
  const reconcileMs = int(env, 'JOBGRAPH_EVENT_RECONCILE_SECONDS', 300, 1, 86_400) * 1000;
  const missGraceMs = int(env, 'JOBGRAPH_EVENT_MISS_GRACE_SECONDS', 60, 1, 3600) * 1000;
  if (raw === undefined) return { queues: null, reconcileMs, missGraceMs };
  const seen = new Set<string>();
  const queues = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      // The accounts are a name part before `=` that is not part of the URL (a URL has `://` before any `=`).
      const eq = item.indexOf('=');
      const named = eq > 0 && !item.slice(0, eq).includes(':');
      const voices = named ? voicesOf(item.slice(0, eq), aliases) : [DEFAULT_ACCOUNT];
      const queue = queueOf(voices, named ? item.slice(eq + 1).trim() : item, awsRegion);
      if (seen.has(queue.url))
        throw new ConfigError('JOBGRAPH_EVENT_QUEUES', `the queue ${queue.name} is named twice`);
      seen.add(queue.url);
      return queue;
    });
  return { queues, reconcileMs, missGraceMs };
}
