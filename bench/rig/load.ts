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

/** An autocannon run: responses; 2xx ones, rate, latency (raw samples: the histogram is in ms). */
export async function runLoad(spec: LoadSpec) {
  const okMs: number[] = [];
  let responses = 0;
  let ok = 0;
  const next = spec.nextBody;
  const request: autocannon.Request = {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(spec.headers ?? {}) },
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(next ? { setupRequest: (req) => ({ ...req, body: next() }) } : {}),
  };
  const url = new URL(spec.url);
  const started = performance.now();
  const timer = spec.onSample ? setInterval(spec.onSample, spec.sampleEveryMs ?? 1000) : undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
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
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      responses += 1;
      if (statusCode >= 200 && statusCode < 300) {
        ok += 1;
        okMs.push(responseTime);
      }
    });
  }).finally(() => clearInterval(timer));
  const seconds = (performance.now() - started) / 1000;
  const at = (q: number) => percentile(okMs, q);
  const latencyMs = { p50: at(50), p90: at(90), p99: at(99), max: at(100), count: okMs.length };
  const { non2xx, errors, timeouts } = result;
  return { responses, ok, non2xx, errors, timeouts, seconds, rps: ok / seconds, latencyMs };
}
