import { Readable } from 'node:stream';
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import type { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import type { HttpHandlerOptions } from '@smithy/types';
import { collectCapped, declaredLength } from './bodyCap.ts';

/**
 * The SDK's Node HTTP handler with the upstream body cap: once the response headers are in,
 * the body is read here, at most `maxBodyBytes` of it (a larger Content-Length is refused
 * before reading; a streamed body is cut once it passes the cap, its socket destroyed), and
 * handed to the SDK's deserialiser as bytes. NodeHttpHandler's `requestTimeout` ends when the
 * headers arrive; here the same deadline also covers the body, so one SDK attempt, like one
 * hand-made attempt, ends within `requestTimeout` in all (a dripping body is a TimeoutError,
 * which the SDK retries as transient). A body over the cap rejects the attempt with a
 * BodyTooLargeError, which the SDK's retry strategy does not retry (no status, no transient
 * name or code) and the error funnel maps to UPSTREAM_BAD_RESPONSE. Reading here rather than
 * inside the deserialiser also keeps the error free of the `$metadata` the deserialiser would
 * attach, so a huge 5xx body is not retried as a 5xx.
 */
export class CappedBodyHttpHandler extends NodeHttpHandler {
  readonly #maxBodyBytes: number;
  readonly #timeoutMs: number | undefined;

  constructor(maxBodyBytes: number, options: NodeHttpHandlerOptions) {
    super(options);
    this.#maxBodyBytes = maxBodyBytes;
    this.#timeoutMs = options.requestTimeout;
  }

  override async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const started = Date.now();
    const out = await super.handle(request, options);
    const body: unknown = out.response.body;
    if (body instanceof Readable) {
      const signal = options.abortSignal as AbortSignal | undefined;
      const timeoutMs = options.requestTimeout ?? this.#timeoutMs;
      const left = timeoutMs === undefined ? undefined : timeoutMs - (Date.now() - started);
      out.response.body = await collectCapped(body, this.#maxBodyBytes, declaredLength(out.response.headers), signal, left);
    }
    return out;
  }
}
