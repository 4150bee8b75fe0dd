/**
 * The floor: the same upstream calls jobgraph makes, sent by a bare client in the bench
 * process — SigV4 with node:crypto (COS q-sign for COS Batch), keep-alive node:http, each body
 * parsed (JSON.parse; fast-xml-parser for the two XML providers). Its CPU per call is what a
 * gateway cannot go below; its round-trip times are the "no gateway" latency baseline.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { DEMO_AWS_CREDENTIALS, DEMO_TENCENT_CREDENTIALS } from '../../src/emulators/framework.ts';
import type { EmulatorName } from '../../src/emulators/index.ts';
import { cpuTimeMicros } from '../rig/proc.ts';
import type { BenchContext } from './context.ts';
import type { BenchProvider, IdKind } from './ids.ts';

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
  const names = Object.keys(all)
    .map((n) => n.toLowerCase())
    .sort();
  const lower = Object.fromEntries(
    Object.entries(all).map(([k, v]) => [k.toLowerCase(), v.trim()]),
  );
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

/**
 * The COS q-sign `Authorization` value for a GET of `path` at `host` (host the only signed header,
 * no query parameters), valid from a minute ago for 15 minutes. The floor and the SDK peer
 * (bench/peer) both sign COS Batch calls with it: no Node SDK covers COS Batch.
 */
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

/** The provider request for one global ID (the shapes the emulators, and the real services, accept). */
function wireRequest(provider: BenchProvider, host: string, globalId: string): Wire {
  const parts = globalId.split(':');
  const native = parts[parts.length - 1] as string;
  const region = parts[1] as string;
  switch (provider) {
    case 'panorama': {
      const path = `/packages/import-jobs/${native}`;
      return {
        method: 'GET',
        path,
        headers: sigv4('GET', host, path, 'panorama', region, {}, ''),
        body: '',
        xml: false,
      };
    }
    case 'omics': {
      const path = `/referencestore/${parts[2]}/importjob/${native}`;
      return {
        method: 'GET',
        path,
        headers: sigv4('GET', host, path, 'omics', region, {}, ''),
        body: '',
        xml: false,
      };
    }
    case 'codepipeline': {
      const body = JSON.stringify({ jobId: native });
      const h = {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'CodePipeline_20150709.GetJobDetails',
      };
      return {
        method: 'POST',
        path: '/',
        headers: sigv4('POST', host, '/', 'codepipeline', region, h, body),
        body,
        xml: false,
      };
    }
    case 'importexport': {
      const body = `Action=GetStatus&JobId=${encodeURIComponent(native)}&Version=2010-06-01`;
      const h = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
      return {
        method: 'POST',
        path: '/',
        headers: sigv4('POST', host, '/', 'IngestionService', 'us-east-1', h, body),
        body,
        xml: true,
      };
    }
    case 'cosbatch': {
      const path = `/jobs/${native}`;
      return {
        method: 'GET',
        path,
        headers: {
          host,
          'x-cos-appid': DEMO_TENCENT_CREDENTIALS.appId,
          authorization: cosSign(path, host),
        },
        body: '',
        xml: true,
      };
    }
  }
}

export const PROVIDER_OF_PREFIX: Record<string, BenchProvider> = {
  panorama: 'panorama',
  omics: 'omics',
  cos: 'cosbatch',
  importexport: 'importexport',
  codepipeline: 'codepipeline',
};

export interface FloorClient {
  /** Send one call per global ID, all at once; resolves with each answer's HTTP status and body size. */
  send(globalIds: readonly string[]): Promise<{ status: number; bytes: number }[]>;
  close(): void;
}

/** A bare keep-alive client for the five emulators at `urls`. */
export function floorClient(urls: Record<EmulatorName, string>): FloorClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const xml = new XMLParser();
  // A named step, so a profile (bench/cpu.ts) tells the parse from the HTTP work around it.
  const parseBody = (text: string, isXml: boolean): unknown =>
    isXml ? xml.parse(text) : JSON.parse(text);
  const one = (globalId: string): Promise<{ status: number; bytes: number }> => {
    const provider = PROVIDER_OF_PREFIX[globalId.slice(0, globalId.indexOf(':'))] as BenchProvider;
    const url = new URL(urls[provider]);
    const wire = wireRequest(provider, url.host, globalId);
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
              parseBody(text, wire.xml);
              resolve({ status: res.statusCode ?? 0, bytes: body.length });
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
  return { send: (ids) => Promise.all(ids.map(one)), close: () => agent.destroy() };
}

/**
 * The floor's CPU: bare signed keep-alive calls from this process, CPU from /proc. One run is
 * `floorCalls` calls for fresh existing jobs or not-found IDs; each side measures a run right
 * before each of its gateway's CPU runs, so the two see the same machine (a shared machine's
 * speed drifts within minutes).
 */
export function floorCpuRunner(ctx: Omit<BenchContext, 'floorCpu'>) {
  const client = floorClient(ctx.emulators.urls);
  const warm = new Set<IdKind>();
  return {
    async run(kind: IdKind): Promise<number> {
      if (!warm.has(kind)) {
        await client.send(ctx.unknownIds.mix(100, kind)); // warm-up: sockets, JIT
        warm.add(kind);
      }
      const before = cpuTimeMicros(process.pid);
      let calls = 0;
      while (calls < ctx.settings.floorCalls) {
        const statuses = (await client.send(ctx.unknownIds.mix(20, kind))).map((a) => a.status);
        // Existing jobs answer 200; unknown IDs 404 or 400 (provider-dependent) — never 403, which would mean a bad signature.
        const wrong = statuses.find((s) =>
          kind === 'missing' ? s !== 404 && s !== 400 : s !== 200,
        );
        if (wrong !== undefined) throw new Error(`floor call for a ${kind} job answered ${wrong}`);
        calls += statuses.length;
      }
      return (cpuTimeMicros(process.pid) - before) / calls;
    },
    close: () => client.close(),
  };
}
