import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { TestGateway } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/** A local OTLP/HTTP receiver: keeps every POST to /v1/traces (content type and body). */
export class OtlpReceiver {
  readonly posts: { contentType: string; body: Buffer }[] = [];
  readonly #server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces')
        this.posts.push({
          contentType: req.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        });
      res
        .writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' })
        .end(req.headers['content-type']?.includes('json') ? '{}' : '');
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** An OTLP/JSON attribute value (`arrayValue` holds more of them). */
interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
  events?: { name: string; attributes?: OtlpAttribute[] }[];
  links?: { attributes?: OtlpAttribute[] }[];
  status?: { code?: number; message?: string };
}

/** Every span of the OTLP/HTTP JSON posts received. */
export function spansOf(receiver: OtlpReceiver): OtlpSpan[] {
  return receiver.posts.flatMap((p) => {
    const body = JSON.parse(p.body.toString('utf8')) as {
      resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
    };
    return body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  });
}

/** A span's attributes as a plain object (scalars only; see `spanTexts` for every string). */
export function attrs(span: OtlpSpan): Record<string, string | number | boolean> {
  return Object.fromEntries(
    span.attributes.map((a) => [
      a.key,
      a.value.stringValue ??
        (a.value.intValue !== undefined ? Number(a.value.intValue) : a.value.boolValue!),
    ]),
  );
}

function valueTexts(value: OtlpValue): string[] {
  if (value.stringValue !== undefined) return [value.stringValue];
  return (value.arrayValue?.values ?? []).flatMap(valueTexts);
}

/**
 * Every text of a span, each labelled where it sits: its name, every string attribute value
 * (arrays included), every event's name and attributes, every link's attributes, the status message.
 */
export function spanTexts(span: OtlpSpan): { where: string; text: string }[] {
  const of = (where: string, attributes: OtlpAttribute[] | undefined) =>
    (attributes ?? []).flatMap((a) =>
      valueTexts(a.value).map((text) => ({ where: `${where} ${a.key}`, text })),
    );
  return [
    { where: `${span.name}: name`, text: span.name },
    ...of(`${span.name}: attribute`, span.attributes),
    ...(span.events ?? []).flatMap((e) => [
      { where: `${span.name}: event name`, text: e.name },
      ...of(`${span.name}: event ${e.name}`, e.attributes),
    ]),
    ...(span.links ?? []).flatMap((l) => of(`${span.name}: link`, l.attributes)),
    ...(span.status?.message
      ? [{ where: `${span.name}: status message`, text: span.status.message }]
      : []),
  ];
}

/**
 * A demo gateway exporting its traces over OTLP/HTTP (http/json) to its own receiver, one attempt
 * per upstream call (each attempt one span), for a test file or `describe` block: the receiver
 * starts first and closes last. `env` adds to or overrides that configuration.
 */
export function useTracedGateway(env: Record<string, string> = {}): {
  receiver: OtlpReceiver;
  gw: TestGateway;
} {
  const receiver = new OtlpReceiver();
  // Registered before the gateway's hooks: started before it, closed after it.
  beforeAll(() => receiver.start());
  afterAll(() => receiver.close());
  const gw = useTestGateway(() => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    JOBGRAPH_UPSTREAM_MAX_ATTEMPTS: '1',
    ...env,
  }));
  return { receiver, gw };
}
