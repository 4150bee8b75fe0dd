import autocannon from 'autocannon';
import { percentile } from './stats.ts';

export interface LoadSpec {
  url: string;
  connections: number;
  /** Run for this many seconds… */
  durationS?: number;
  /** …or until this many responses. */
  amount?: number;
  /** Seconds before a request counts as timed out (default 30). */
  timeoutS?: number;
  headers?: Record<string, string>;
  body?: string;
  /** A new body per request (e.g. fresh job IDs); overrides `body`. */
  nextBody?: () => string;
  /** Called every `sampleEveryMs` while the run lasts (e.g. to read RSS). */
  onSample?: () => void;
  sampleEveryMs?: number;
}

export interface LoadResult {
  /** Responses of any status. */
  responses: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** 2xx responses per second of wall time. */
  rps: number;
  /** Latency of 2xx responses in ms, from the raw samples (not the ms-bucketed histogram). */
  latencyMs: { p50: number; p90: number; p99: number; max: number; count: number };
}

/** One autocannon run over loopback, with raw per-response latencies. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let responses = 0;
  let ok = 0;
  const headers = { 'content-type': 'application/json', ...(spec.headers ?? {}) };
  const request: autocannon.Request = {
    method: 'POST',
    headers,
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(spec.nextBody
      ? { setupRequest: (req) => ({ ...req, body: (spec.nextBody as () => string)() }) }
      : {}),
  };
  const url = new URL(spec.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = spec.onSample
      ? setInterval(spec.onSample, spec.sampleEveryMs ?? 1000)
      : undefined;
    const instance = autocannon(
      {
        url: `${url.origin}${url.pathname}`,
        connections: spec.connections,
        timeout: spec.timeoutS ?? 30,
        ...(spec.amount !== undefined
          ? { amount: spec.amount }
          : { duration: spec.durationS ?? 5 }),
        requests: [{ ...request, path: url.pathname }],
      },
      (err, result) => {
        if (timer) clearInterval(timer);
        if (err) return reject(err);
        const seconds = (performance.now() - started) / 1000;
        resolve({
          responses,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          seconds,
          rps: ok / seconds,
          latencyMs: {
            p50: percentile(latencies, 50),
            p90: percentile(latencies, 90),
            p99: percentile(latencies, 99),
            max: percentile(latencies, 100),
            count: latencies.length,
          },
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      responses += 1;
      if (statusCode >= 200 && statusCode < 300) {
        ok += 1;
        latencies.push(responseTime);
      }
    });
  });
}
