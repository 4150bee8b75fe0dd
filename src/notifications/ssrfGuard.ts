/**
 * No way into the network through a notification target (docs/notifications.md, "Targets"). A
 * target is `https` to port 443 unless its host and port are in JOBGRAPH_NOTIFY_ALLOW_HOSTS
 * (`host:port`; a bare host allows 443 only; `host:*` every port); its name is resolved at each
 * attempt, and an address that is not globally reachable unicast — every special-purpose range of
 * the IANA IPv4 and IPv6 registries (loopback, private, link-local with the cloud metadata service,
 * unique-local, carrier-grade NAT, documentation, benchmarking, multicast, broadcast, reserved…), an
 * IPv6 address outside 2000::/3, or one embedding an IPv4 address (IPv4-mapped, SIIT, NAT64, 6to4,
 * Teredo) — is refused unless its host and port are allowed. The ranges are ipaddr.js's
 * (`range()`), held to the registries by test/notifications/ssrfRanges.test.ts. The request
 * connects to the address checked (its `lookup` answers that address: no second lookup a name could
 * answer differently), follows no redirect, reads at most 64 KiB of the answer and drops it, ends at
 * a timeout, and keeps a bound on the attempts in flight to one host. Errors name the host, never
 * the URL (a Slack or Teams URL is itself a credential) nor what a name resolved to. A connection
 * may serve a later attempt only when that attempt resolved and checked the same address
 * (`TargetConnections`).
 */
import { isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';

/** Most bytes of an answer read (then dropped). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Why an attempt did not get an answer: the kinds `NotificationAttempt.error` shows. */
export type TargetErrorKind = 'refused' | 'timeout' | 'connection';

/** An attempt that got no answer; `message` names the host at most, never the URL. */
export class TargetError extends Error {
  constructor(
    readonly kind: TargetErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

/** IPv6's global unicast space (RFC 4291, the IANA IPv6 address space registry): nothing else is a target. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
/** ipaddr.js's IPv6 ranges that carry an IPv4 address: refused outright, whatever that address is. */
const EMBEDS_IPV4 = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052', '6to4', 'teredo']);
/** ipaddr.js's range names, as a person reads them. */
const KIND_WORDS: Readonly<Record<string, string>> = {
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  carrierGradeNat: 'carrier-grade NAT',
  ipv4Mapped: 'IPv4-mapped',
  rfc6145: 'SIIT (IPv4-translated)',
  rfc6052: 'NAT64',
  '6to4': '6to4',
  teredo: 'Teredo',
  deprecatedSiteLocal: 'site-local (deprecated)',
  discard: 'discard-only',
  as112: 'AS112',
  as112v6: 'AS112',
  amt: 'AMT',
  deprecatedOrchid: 'ORCHID (deprecated)',
  orchid2: 'ORCHIDv2',
  droneRemoteIdProtocolEntityTags: 'drone remote ID',
  segmentRouting: 'segment routing',
};

/**
 * What kind of address `address` is when it must be refused (`loopback`, …), else null: anything
 * but global unicast (ipaddr.js's `unicast` range, and for IPv6 within 2000::/3).
 */
export function blockedAddressKind(address: string): string | null {
  const a = address.replace(/^\[|\]$/g, '');
  if (isIP(a) === 0) return 'not an address';
  let ip: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(a);
  let range = ip.range();
  // An IPv4-mapped address is its IPv4 address: said as that address's kind.
  if (ip.kind() === 'ipv6' && range === 'ipv4Mapped') {
    ip = (ip as ipaddr.IPv6).toIPv4Address();
    range = ip.range();
    if (range === 'unicast') return KIND_WORDS.ipv4Mapped!;
  }
  if (ip.kind() === 'ipv6') {
    if (EMBEDS_IPV4.has(range)) return KIND_WORDS[range] ?? range;
    if (range === 'unicast' && !(ip as ipaddr.IPv6).match(GLOBAL_UNICAST_V6))
      return 'reserved (outside IPv6 global unicast)';
  }
  return range === 'unicast' ? null : (KIND_WORDS[range] ?? range);
}

/** A URL's port, the scheme's default when it names none. */
const portOf = (u: URL): string => u.port || (u.protocol === 'http:' ? '80' : '443');

/**
 * JOBGRAPH_NOTIFY_ALLOW_HOSTS holds `host` on `port` (entries `host:port`, `host:*`; lower case; an
 * IPv6 literal in brackets).
 */
function allowed(host: string, port: string, allowHosts: readonly string[]): boolean {
  const h = host.toLowerCase();
  const bracketed = isIP(h.replace(/^\[|\]$/g, '')) === 6 ? `[${h.replace(/^\[|\]$/g, '')}]` : h;
  return allowHosts.includes(`${bracketed}:${port}`) || allowHosts.includes(`${bracketed}:*`);
}

/**
 * Why `url` may not be a target, or null: not a URL, a scheme but https (http only for an allowed
 * host and port), credentials in it, or an address literal that is refused. What a name resolves
 * to is checked at each attempt (`resolveTarget`).
 */
export function targetUrlRefusal(url: string, allowHosts: readonly string[]): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'the target is not a URL';
  }
  const host = u.hostname;
  const isAllowed = allowed(host, portOf(u), allowHosts);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isAllowed))
    return `the target must be an https URL (plain http only for a host and port JOBGRAPH_NOTIFY_ALLOW_HOSTS lists; ${u.host} is not)`;
  if (u.username || u.password) return 'the target URL may not carry a user or password';
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0 && !isAllowed) {
    const kind = blockedAddressKind(host);
    if (kind !== null) return refusedAddress(host, kind, false);
  }
  if (!isAllowed && u.port !== '' && u.port !== '443')
    return `the target must be on port 443 (another port only for a host and port JOBGRAPH_NOTIFY_ALLOW_HOSTS lists; ${u.host} is not)`;
  return null;
}

/** The refusal's words: the host named, never the address a name resolved to. */
const refusedAddress = (host: string, kind: string, resolved: boolean) =>
  `the target ${host} ${resolved ? 'resolves to' : 'is'} a ${kind} address, refused (JOBGRAPH_NOTIFY_ALLOW_HOSTS may allow the host and port)`;

/** What a name resolves to: every address (the default: the system resolver's). */
export type Resolver = (host: string) => Promise<readonly { address: string; family: number }[]>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * The address an attempt to `host` on `port` connects to: the host's own when it is an address,
 * else the first the resolver answers — refused (TargetError `refused`) when any answer is a
 * refused address and the host and port are not allowed, so a name answering a public and a private address is
 * refused, whichever it would have connected to.
 */
async function resolveTarget(
  host: string,
  port: string,
  allowHosts: readonly string[],
  resolve: Resolver = systemResolver,
): Promise<{ address: string; family: 4 | 6 }> {
  const bare = host.replace(/^\[|\]$/g, '');
  let answers: readonly { address: string; family: number }[];
  if (isIP(bare) !== 0) answers = [{ address: bare, family: isIP(bare) }];
  else {
    try {
      answers = await resolve(bare);
    } catch {
      throw new TargetError('connection', `the target ${host} could not be resolved`);
    }
  }
  if (answers.length === 0)
    throw new TargetError('connection', `the target ${host} could not be resolved`);
  if (!allowed(host, port, allowHosts))
    for (const a of answers) {
      const kind = blockedAddressKind(a.address);
      if (kind !== null)
        throw new TargetError('refused', refusedAddress(host, kind, isIP(bare) === 0));
    }
  const first = answers[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** What an attempt got: the status, `Retry-After` in ms when it said one. */
export interface TargetAnswer {
  status: number;
  retryAfterMs: number | null;
}

export interface TargetPostOptions {
  allowHosts: readonly string[];
  timeoutMs: number;
  resolve?: Resolver;
  /** The request function (tests count the connections it is asked to make); default http(s).request. */
  request?: typeof http.request;
  /** The bound on attempts in flight to one host. */
  hosts?: HostGate;
  /** The clock `Retry-After` dates are read against (epoch ms). */
  now?: () => number;
  /** Connections kept between attempts (absent: a new connection each attempt). */
  connections?: TargetConnections;
}

/**
 * POST `body` to `url` under every rule above; resolves with the answer's status (a 3xx is an
 * answer, never followed), rejects with a TargetError when there is none.
 */
export async function postToTarget(
  url: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  options: TargetPostOptions,
): Promise<TargetAnswer> {
  const refusal = targetUrlRefusal(url, options.allowHosts);
  if (refusal !== null) throw new TargetError('refused', refusal);
  const u = new URL(url);
  const host = u.hostname;
  const release = await (options.hosts ?? HostGate.unbounded).enter(host);
  try {
    const checked = await resolveTarget(host, portOf(u), options.allowHosts, options.resolve);
    const lookup: LookupFunction = (_name, opts, callback) => {
      if ((opts as { all?: boolean }).all)
        (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
          { address: checked.address, family: checked.family },
        ]);
      else callback(null, checked.address, checked.family);
    };
    const request = options.request ?? (u.protocol === 'https:' ? https.request : http.request);
    return await new Promise<TargetAnswer>((resolve, reject) => {
      const payload = Buffer.from(body, 'utf8');
      const req = request(u, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(payload.length),
          'user-agent': 'jobgraph-notifications',
        },
        lookup,
        agent: options.connections?.agentFor(u, checked) ?? false,
        ...(u.protocol === 'https:' && isIP(host) === 0 ? { servername: host } : {}),
      });
      const timer = setTimeout(() => {
        req.destroy(new TargetError('timeout', `the target ${host} did not answer in time`));
      }, options.timeoutMs);
      timer.unref();
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(
          err instanceof TargetError
            ? err
            : new TargetError(
                'connection',
                `the target ${host} could not be reached (${(err as { code?: string }).code ?? 'connection error'})`,
              ),
        );
      });
      req.on('response', (res) => {
        let read = 0;
        const done = () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            retryAfterMs: retryAfterMs(res.headers['retry-after'], options.now ?? Date.now),
          });
        };
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) {
            res.destroy();
            done();
          }
        });
        res.on('end', done);
        res.on('error', done);
      });
      req.end(payload);
    });
  } finally {
    release();
  }
}

/** `Retry-After` (seconds, or an HTTP date) in ms from now; null when absent or unreadable. */
function retryAfterMs(value: string | string[] | undefined, now: () => number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now());
}

/** Idle kept connections close after this long, ms (under the 5 s after which Node's servers close theirs). */
const IDLE_MS = 4000;
/** Most agents kept (scheme, host, port and checked address); the least recently used is closed first. */
const MAX_AGENTS = 256;

/**
 * Connections kept alive between attempts, in one agent per scheme, host, port and the address an
 * attempt resolved and checked: a kept connection serves only a later attempt that checked that
 * same address (each attempt still resolves its host and checks the answer before any agent is
 * chosen: a name that now answers another address gets another agent and a new connection, one
 * that answers a refused address none). Idle connections close after IDLE_MS.
 */
export class TargetConnections {
  /** lru-cache: at most MAX_AGENTS, each agent destroyed as it leaves. */
  readonly #agents = new LRUCache<string, http.Agent>({
    max: MAX_AGENTS,
    dispose: (agent) => agent.destroy(),
  });

  /** The agent for an attempt to `u` at the checked address. */
  agentFor(u: URL, checked: { address: string; family: 4 | 6 }): http.Agent {
    const key = `${u.protocol}//${u.host}\n${checked.address}`;
    let agent = this.#agents.get(key);
    if (!agent) {
      const options = { keepAlive: true, timeout: IDLE_MS, scheduling: 'lifo' as const };
      agent = u.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
      this.#agents.set(key, agent);
    }
    return agent;
  }

  /** Close every kept connection. */
  close(): void {
    this.#agents.clear();
  }
}

/** At most `max` attempts in flight to one host; the others wait their turn, in order. */
export class HostGate {
  static readonly unbounded = new HostGate(Number.MAX_SAFE_INTEGER);
  readonly #hosts = new Map<string, { active: number; waiting: (() => void)[] }>();

  constructor(readonly max: number) {}

  /** Wait for a place for `host`; the function returned gives it back. */
  async enter(host: string): Promise<() => void> {
    let h = this.#hosts.get(host);
    if (!h) this.#hosts.set(host, (h = { active: 0, waiting: [] }));
    const slot = h;
    if (slot.active >= this.max) await new Promise<void>((r) => slot.waiting.push(r));
    else slot.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = slot.waiting.shift();
      if (next) next();
      else if (--slot.active === 0) this.#hosts.delete(host);
    };
  }

  /** Attempts in flight to `host`. */
  active(host: string): number {
    return this.#hosts.get(host)?.active ?? 0;
  }
}
