// The floor (bench/README.md, figure 1): jobgraph's upstream calls, from a bare in-process client.
// Its CPU per job is what a gateway cannot go below; its round trips, the no-gateway latency.
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { DEFAULT_PROVIDER_CONCURRENCY } from '../../src/config/limits.ts';
import { DEMO_AWS_CREDENTIALS, DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { cpuTimeMicros } from '../rig/proc.ts';
import { PROVIDER_OF_PREFIX } from './ids.ts';
import type { BenchProvider, IdKind, UnknownIdGenerator } from './ids.ts';
import type { BenchSettings } from './settings.ts';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();

/** Signing keys per day/region/service, as the SDK caches them. */
const signingKeys = new Map<string, Buffer>();

function sigv4(
  method: string,
  host: string,
  path: string,
  service: string,
  region: string,
  headers: Record<string, string>,
  body: string,
) {
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const all: Record<string, string> = { ...headers, host, 'x-amz-date': amzDate };
  const lower = Object.fromEntries(
    Object.entries(all).map(([k, v]) => [k.toLowerCase(), v.trim()]),
  );
  const names = Object.keys(lower).sort();
  const signed = names.join(';');
  const canonical = [
    method,
    path,
    '',
    names.map((n) => `${n}:${lower[n]}\n`).join(''),
    signed,
    sha256(body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  let key = signingKeys.get(scope);
  if (!key) {
    key = hmac(
      hmac(hmac(hmac(`AWS4${DEMO_AWS_CREDENTIALS.secretAccessKey}`, day), region), service),
      'aws4_request',
    );
    signingKeys.set(scope, key);
  }
  const signature = createHmac('sha256', key)
    .update(['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n'))
    .digest('hex');
  return {
    ...all,
    authorization: `AWS4-HMAC-SHA256 Credential=${DEMO_AWS_CREDENTIALS.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
  };
}

/** COS q-sign `Authorization`: GET `path` at `host`; the peer's too (no Node SDK has COS Batch). */
export function cosSign(path: string, host: string): string {
  const now = Math.floor(Date.now() / 1000);
  const time = `${now - 60};${now + 900}`;
  const format = `get\n${path}\n\nhost=${encodeURIComponent(host)}\n`;
  const toSign = `sha1\n${time}\n${createHash('sha1').update(format).digest('hex')}\n`;
  const key = createHmac('sha1', DEMO_TENCENT_CREDENTIALS.secretKey).update(time).digest('hex');
  const signature = createHmac('sha1', key).update(toSign).digest('hex');
  return `q-sign-algorithm=sha1&q-ak=${DEMO_TENCENT_CREDENTIALS.secretId}&q-sign-time=${time}&q-key-time=${time}&q-header-list=host&q-url-param-list=&q-signature=${signature}`;
}

interface Wire {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
  xml: boolean;
}

/** Each AWS provider's describe call for a global ID (Batch: a call's IDs); a GET if no `body`. */
const AWS_CALLS: Record<
  Exclude<BenchProvider, 'cosbatch'>,
  {
    service: string;
    /** The signing region, where it is not the ID's. */
    region?: string;
    path: (parts: readonly string[], native: string) => string;
    headers?: Record<string, string>;
    body?: (native: string, globalIds: readonly string[]) => string;
    xml?: boolean;
  }
> = {
  panorama: { service: 'panorama', path: (_, native) => `/packages/import-jobs/${native}` },
  omics: {
    service: 'omics',
    path: (parts, native) => `/referencestore/${parts[2]}/importjob/${native}`,
  },
  codepipeline: {
    service: 'codepipeline',
    path: () => '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'CodePipeline_20150709.GetJobDetails',
    },
    body: (native) => JSON.stringify({ jobId: native }),
  },
  importexport: {
    service: 'IngestionService',
    region: 'us-east-1',
    path: () => '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: (native) => `Action=GetStatus&JobId=${encodeURIComponent(native)}&Version=2010-06-01`,
    xml: true,
  },
  batch: {
    service: 'batch',
    path: () => '/v1/describejobs',
    headers: { 'content-type': 'application/json' },
    body: (_, globalIds) =>
      JSON.stringify({ jobs: globalIds.map((id) => id.split(':').slice(2).join(':')) }),
  },
};

/** The provider request for one global ID, or for AWS Batch every ID of `globalIds` (one DescribeJobs). */
function wireRequest(provider: BenchProvider, host: string, globalIds: readonly string[]): Wire {
  const parts = (globalIds[0] as string).split(':');
  const native = parts[parts.length - 1] as string;
  if (provider === 'cosbatch') {
    const path = `/jobs/${native}`;
    const headers = {
      host,
      'x-cos-appid': DEMO_TENCENT_CREDENTIALS.appId,
      authorization: cosSign(path, host),
    };
    return { method: 'GET', path, headers, body: '', xml: true };
  }
  const call = AWS_CALLS[provider];
  const method = call.body ? 'POST' : 'GET';
  const path = call.path(parts, native);
  const body = call.body?.(native, globalIds) ?? '';
  const region = call.region ?? parts[1] ?? '';
  const headers = sigv4(method, host, path, call.service, region, call.headers ?? {}, body);
  return { method, path, headers, body, xml: call.xml ?? false };
}

/** The calls `globalIds` take, as jobgraph makes them: one a job; AWS Batch's in DescribeJobs of up to 100 per region. */
export function callsOf(globalIds: readonly string[]): [BenchProvider, string[]][] {
  const calls: [BenchProvider, string[]][] = [];
  const batch = new Map<string, string[]>();
  for (const id of globalIds) {
    const provider = PROVIDER_OF_PREFIX[id.slice(0, id.indexOf(':'))] as BenchProvider;
    if (provider !== 'batch') calls.push([provider, [id]]);
    else {
      const region = id.split(':')[1] as string;
      let open = batch.get(region);
      if (!open || open.length === 100) {
        batch.set(region, (open = []));
        calls.push([provider, open]);
      }
      open.push(id);
    }
  }
  return calls;
}

export interface FloorAnswer {
  provider: BenchProvider;
  /** The global IDs the call asked for. */
  ids: readonly string[];
  status: number;
  bytes: number;
  /** The body, parsed. */
  parsed: unknown;
}

/**
 * A bare keep-alive client: `send` calls for global IDs at once, each answer's body parsed.
 * Each provider is one origin (an emulator's port), and an origin gets at most the gateway's
 * default bound of calls in flight per provider, so the floor and the core floor are judged at
 * the calls in flight the gateway has: more would go out in one turn where the gateway's wait for
 * a slot, and time the answers differently (docs/performance.md, issue 74).
 */
export function floorClient(urls: Record<BenchProvider, string>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: DEFAULT_PROVIDER_CONCURRENCY });
  const xml = new XMLParser();
  const one = ([provider, globalIds]: [BenchProvider, string[]]): Promise<FloorAnswer> => {
    const url = new URL(urls[provider]);
    const wire = wireRequest(provider, url.host, globalIds);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: wire.method,
          path: wire.path,
          headers: { ...wire.headers, 'content-length': Buffer.byteLength(wire.body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              const body = Buffer.concat(chunks);
              const text = body.toString('utf8');
              const parsed: unknown = wire.xml ? xml.parse(text) : JSON.parse(text);
              const status = res.statusCode ?? 0;
              resolve({ provider, ids: globalIds, status, bytes: body.length, parsed });
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(wire.body);
    });
  };
  return {
    send: (ids: readonly string[]) => Promise.all(callsOf(ids).map(one)),
    close: () => agent.destroy(),
  };
}

/** The floor's CPU: the bench's CPU per job over `floorCalls` fresh `kind` jobs, 100 at a time. */
export function floorCpuRunner(ctx: {
  emulators: { urls: Record<BenchProvider, string> };
  unknownIds: UnknownIdGenerator;
  settings: Pick<BenchSettings, 'floorCalls' | 'providers'>;
}) {
  const client = floorClient(ctx.emulators.urls);
  const warm = new Set<IdKind>();
  return {
    async run(kind: IdKind): Promise<number> {
      if (!warm.has(kind)) {
        await client.send(ctx.unknownIds.take(500, kind, ctx.settings.providers)); // warm-up: sockets, JIT
        warm.add(kind);
      }
      const before = cpuTimeMicros(process.pid);
      let jobs = 0;
      while (jobs < ctx.settings.floorCalls) {
        const ids = ctx.unknownIds.take(100, kind, ctx.settings.providers);
        // Existing jobs answer 200; unknown IDs 404 or 400 (provider-dependent; AWS Batch leaves
        // them out of a 200) — never 403, which would mean a bad signature.
        const wrong = (await client.send(ids)).find(({ provider, status }) =>
          kind === 'missing' && provider !== 'batch'
            ? status !== 404 && status !== 400
            : status !== 200,
        );
        if (wrong) throw new Error(`floor call for a ${kind} job answered ${wrong.status}`);
        jobs += ids.length;
      }
      return (cpuTimeMicros(process.pid) - before) / jobs;
    },
    close: () => client.close(),
  };
}
