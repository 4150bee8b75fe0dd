import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { TracingConfig } from '../config.ts';
import { scrubSecrets } from '../auth/secretValues.ts';

let contextManagerSet = false;

/** The instrumentation scope of jobgraph's spans. */
export const TRACER_NAME = 'jobgraph';

/** The running trace export of one gateway. */
export interface Tracing {
  tracer: Tracer;
  /** The caller's W3C `traceparent`/`tracestate` as a context (ROOT_CONTEXT without them). */
  extract(headers: Record<string, string | string[] | undefined>): Context;
  /** Export every finished span now. */
  forceFlush(): Promise<void>;
  /** Export what is left and stop. */
  shutdown(): Promise<void>;
}

/**
 * Start exporting spans as `config` says. The OpenTelemetry SDK and its exporters are imported
 * here, on demand, so a gateway without tracing (the default) never loads them.
 *
 * Why hand-made spans and no auto-instrumentation: the instrumentations (http, express,
 * graphql, aws-sdk) patch modules as they are loaded, so they need a `--import` hook or a
 * preload before anything else, and they register a global tracer provider — one per
 * process, where jobgraph makes one per gateway (the tests run several in one process).
 * Nor would they give the spans wanted: the aws-sdk one makes a span per `send`, not per
 * attempt, and knows nothing of Import/Export or COS Batch (hand-made clients); the graphql
 * one makes a span per field. So jobgraph makes its three kinds itself (operation, loader
 * batch, upstream attempt) with the SDK's tracer, exporter, batch processor and W3C propagator.
 *
 * Process-wide, once: the AsyncLocalStorage context manager, so a span started in a resolver
 * is the parent of those started in the loader and the clients (one some other code registered
 * first is kept). The W3C propagator is used directly, not registered globally.
 */
export async function startTracing(config: TracingConfig): Promise<Tracing> {
  const [{ BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter }, { AsyncLocalStorageContextManager }, core, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/resources'),
    ]);
  if (!contextManagerSet) {
    contextManagerSet = true;
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }
  const propagator = new core.W3CTraceContextPropagator();
  let exporter;
  if (config.exporter === 'console') {
    exporter = new ConsoleSpanExporter();
  } else {
    const options = { url: config.url, headers: config.headers };
    exporter =
      config.protocol === 'http/json'
        ? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(options)
        : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(options);
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  return {
    tracer: provider.getTracer(TRACER_NAME),
    extract: (headers) => propagator.extract(ROOT_CONTEXT, headers, headerGetter),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

const headerGetter = {
  keys: (carrier: Record<string, string | string[] | undefined>) => Object.keys(carrier),
  get: (carrier: Record<string, string | string[] | undefined>, key: string) => carrier[key.toLowerCase()],
};

/** A string attribute value with every registered secret value (and secret-shaped string) masked. */
export function safeAttribute(value: string): string {
  return scrubSecrets(value);
}

/** Run `fn` inside a new span that ends when it settles; a rejection marks the span as an error. */
export async function inSpan<T>(tracer: Tracer, name: string, attributes: Record<string, string | number>, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

export { context, trace };
