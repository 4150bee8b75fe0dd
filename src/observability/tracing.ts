import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
} from '@opentelemetry/api';
import type { TracingConfig } from '../config/index.ts';
import { scrubSecrets } from '../auth/secretValues.ts';
import { cutText } from './bounded.ts';

/** The instrumentation scope of jobgraph's spans. */
const TRACER_NAME = 'jobgraph';

/** The running trace export of one gateway. */
export interface Tracing {
  /** Makes every span scrubbed and bounded (see {@link scrubbingTracer}). */
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
 * Process-wide: the AsyncLocalStorage context manager, so a span started in a resolver is the
 * parent of those started in the loader and the clients (one some other code registered first is
 * kept). The W3C propagator is used directly, not registered globally.
 */
export async function startTracing(config: TracingConfig): Promise<Tracing> {
  const [
    { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter },
    { AsyncLocalStorageContextManager },
    core,
    { resourceFromAttributes },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  // Asked at every start, not remembered: code that disables the process's context manager
  // (`context.disable()`, as a test of span helpers does) unregisters it, and a flag kept here
  // would then start gateways whose spans have no parents. The API refuses a second one.
  const contextManager = new AsyncLocalStorageContextManager();
  if (!context.setGlobalContextManager(contextManager.enable())) contextManager.disable();
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
    tracer: scrubbingTracer(provider.getTracer(TRACER_NAME)),
    extract: (headers) => propagator.extract(ROOT_CONTEXT, headers, headerGetter),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

const headerGetter = {
  keys: (carrier: Record<string, string | string[] | undefined>) => Object.keys(carrier),
  get: (carrier: Record<string, string | string[] | undefined>, key: string) =>
    carrier[key.toLowerCase()],
};

/**
 * Most characters of any text jobgraph puts in a span (attribute value, span or event name,
 * status message, exception text), after scrubbing; a longer one is cut (`cutText`). A backstop:
 * what a caller chooses is bounded tighter where it is set (operation names, `bounded.ts`).
 */
export const MAX_SPAN_TEXT_LENGTH = 1024;

/**
 * A text as it may go into a span: every registered secret value (and secret-shaped string)
 * masked — the scrubber of log lines and error extensions, `scrubSecrets` — then cut to
 * {@link MAX_SPAN_TEXT_LENGTH}. Scrubbed before it is cut, so a cut never keeps part of a secret.
 */
function safeAttribute(value: string): string {
  return cutText(scrubSecrets(value), MAX_SPAN_TEXT_LENGTH);
}

/** An attribute value with every string in it (arrays too) passed through {@link safeAttribute}. */
function safeAttributeValue(value: AttributeValue): AttributeValue;
function safeAttributeValue(value: AttributeValue | undefined): AttributeValue | undefined;
function safeAttributeValue(value: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof value === 'string') return safeAttribute(value);
  if (Array.isArray(value))
    return value.map((v: unknown) =>
      typeof v === 'string' ? safeAttribute(v) : v,
    ) as AttributeValue;
  return value;
}

/** Attributes with every string value passed through {@link safeAttribute} (a new object; keys are jobgraph's own). */
function safeAttributes(attributes: Attributes): Attributes;
function safeAttributes(attributes: Attributes | undefined): Attributes | undefined;
function safeAttributes(attributes: Attributes | undefined): Attributes | undefined {
  if (!attributes) return attributes;
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) out[key] = safeAttributeValue(value);
  return out;
}

const safeLinks = (links: readonly Link[]): Link[] =>
  links.map((l) => (l.attributes ? { ...l, attributes: safeAttributes(l.attributes) } : l));

function safeSpanOptions(options: SpanOptions | undefined): SpanOptions | undefined {
  if (!options) return options;
  return {
    ...options,
    ...(options.attributes ? { attributes: safeAttributes(options.attributes) } : {}),
    ...(options.links ? { links: safeLinks(options.links) } : {}),
  };
}

/** An exception's texts (message, name, stack, a string code) passed through {@link safeAttribute}; the SDK records them as event attributes. */
function safeException(exception: Exception): Exception {
  if (typeof exception === 'string') return safeAttribute(exception);
  const out: Record<string, string | number> = {};
  for (const key of ['code', 'name', 'message', 'stack'] as const) {
    const value = exception[key];
    if (typeof value === 'string') out[key] = safeAttribute(value);
    else if (typeof value === 'number') out[key] = value;
  }
  return out as unknown as Exception;
}

const isTimeInput = (v: unknown): v is TimeInput =>
  typeof v === 'number' || Array.isArray(v) || v instanceof Date;

/**
 * A span whose every text is scrubbed and bounded ({@link safeAttribute}) on the way in: attribute
 * values, its name, event names and attributes, link attributes, the status message and recorded
 * exceptions. The one place span text is made safe, so no caller can forget to: every span
 * jobgraph makes comes from {@link scrubbingTracer}, and `safeSpan` wraps one taken from a context.
 */
class ScrubbingSpan implements Span {
  constructor(readonly inner: Span) {}

  spanContext(): SpanContext {
    return this.inner.spanContext();
  }

  setAttribute(key: string, value: AttributeValue): this {
    this.inner.setAttribute(key, safeAttributeValue(value));
    return this;
  }

  setAttributes(attributes: Attributes): this {
    this.inner.setAttributes(safeAttributes(attributes));
    return this;
  }

  addEvent(
    name: string,
    attributesOrStartTime?: Attributes | TimeInput,
    startTime?: TimeInput,
  ): this {
    const attributes =
      attributesOrStartTime === undefined || isTimeInput(attributesOrStartTime)
        ? attributesOrStartTime
        : safeAttributes(attributesOrStartTime);
    this.inner.addEvent(safeAttribute(name), attributes, startTime);
    return this;
  }

  addLink(link: Link): this {
    this.inner.addLink(safeLinks([link])[0] as Link);
    return this;
  }

  addLinks(links: Link[]): this {
    this.inner.addLinks(safeLinks(links));
    return this;
  }

  setStatus(status: SpanStatus): this {
    this.inner.setStatus(
      status.message === undefined ? status : { ...status, message: safeAttribute(status.message) },
    );
    return this;
  }

  updateName(name: string): this {
    this.inner.updateName(safeAttribute(name));
    return this;
  }

  end(endTime?: TimeInput): void {
    this.inner.end(endTime);
  }

  isRecording(): boolean {
    return this.inner.isRecording();
  }

  recordException(exception: Exception, time?: TimeInput): void {
    this.inner.recordException(safeException(exception), time);
  }
}

/** `span` made to scrub and bound what is set on it (unchanged when it does already; undefined stays undefined). */
export function safeSpan(span: Span): Span;
export function safeSpan(span: Span | undefined): Span | undefined;
export function safeSpan(span: Span | undefined): Span | undefined {
  return span === undefined || span instanceof ScrubbingSpan ? span : new ScrubbingSpan(span);
}

/**
 * A tracer whose spans scrub and bound every text set on them (`ScrubbingSpan`), from the start
 * (name, attributes and links of the options) to the end. `startActiveSpan` makes the wrapped
 * span the active one, so `trace.getActiveSpan()` returns it too.
 */
class ScrubbingTracer implements Tracer {
  constructor(readonly inner: Tracer) {}

  startSpan(name: string, options?: SpanOptions, parent?: Context): Span {
    return safeSpan(this.inner.startSpan(safeAttribute(name), safeSpanOptions(options), parent));
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    parent: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as Context) : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(
      trace.setSpan(parent, span),
      fn as (span: Span) => ReturnType<F>,
      undefined,
      span,
    );
  }
}

/** `tracer` made to scrub and bound every text of every span it makes (unchanged when it does already). */
export function scrubbingTracer(tracer: Tracer): Tracer {
  return tracer instanceof ScrubbingTracer ? tracer : new ScrubbingTracer(tracer);
}

/** Run `fn` inside a new span that ends when it settles; a rejection marks the span as an error. */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Record<string, string | number>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return scrubbingTracer(tracer).startActiveSpan(
    name,
    { kind: SpanKind.INTERNAL, attributes },
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
