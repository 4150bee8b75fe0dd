import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { BodyTooLargeError } from '../../errors.ts';

/** Largest upstream body read by default, in bytes (JOBGRAPH_UPSTREAM_MAX_BODY_BYTES, default 1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The Content-Length a response declares, or null when it declares none (chunked) or junk. */
export function declaredLength(
  headers: IncomingHttpHeaders | Record<string, string | undefined>,
): number | null {
  const raw = (headers as Record<string, unknown>)['content-length'];
  const v: unknown = Array.isArray(raw) ? raw[0] : raw;
  return typeof v === 'string' && /^\s*\d{1,16}\s*$/.test(v) ? Number(v) : null;
}

/**
 * A body's chunks as they arrive, never more than `maxBytes` of them: what `collectCapped` and the
 * pipeline's own exchange (`httpRequest`) both read a body into.
 */
export class CappedBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly maxBytes: number) {}

  /** Take a chunk; a BodyTooLargeError (the chunk not kept) once the body passes the cap. */
  add(chunk: Buffer): BodyTooLargeError | undefined {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return new BodyTooLargeError(this.maxBytes);
    this.chunks.push(chunk);
    return undefined;
  }

  /** The body read so far: one chunk (most bodies) as is, without a copy. */
  whole(): Buffer {
    return this.chunks.length === 1
      ? (this.chunks[0] as Buffer)
      : Buffer.concat(this.chunks, this.size);
  }
}

/**
 * Read a response body stream whole, but never more than `maxBytes`: a declared
 * Content-Length above the cap is refused before reading, and a body that passes the cap while
 * streaming stops there. Either way the stream is destroyed with a BodyTooLargeError (for an
 * `IncomingMessage` that destroys its socket, so the rest is never received) and the promise
 * rejects with it. A stream error, a premature close (ECONNRESET), an abort of `signal` or,
 * when `timeoutMs` is given, a body not complete within it (TimeoutError, ETIMEDOUT) rejects
 * with that error instead, and the stream is destroyed.
 */
export function collectCapped(
  stream: Readable,
  maxBytes: number,
  declared: number | null,
  signal?: AbortSignal,
  timeoutMs?: number,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const body = new CappedBody(maxBytes);
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: Error | null, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (typeof signal?.removeEventListener === 'function')
        signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(body as Buffer);
    };
    const cut = (err: Error) => {
      finish(err);
      stream.destroy(err);
    };
    const onAbort = () => cut(abortError());
    // Listeners first: destroying the stream with an error below must find an 'error' listener.
    stream.on('error', (err: Error) => finish(err));
    // 'close' follows every 'end' too: build its error (a stack trace each) only when it ends the body.
    stream.on('aborted', () => {
      if (!settled) finish(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' }));
    });
    stream.on('close', () => {
      if (!settled)
        finish(Object.assign(new Error('response closed before its end'), { code: 'ECONNRESET' }));
    });
    stream.on('end', () => finish(null, body.whole()));
    if (declared !== null && declared > maxBytes) return cut(new BodyTooLargeError(maxBytes));
    if (signal?.aborted) return cut(abortError());
    if (typeof signal?.addEventListener === 'function')
      signal.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(
        () => {
          const err = Object.assign(
            new Error(`response body not complete within ${timeoutMs} ms`),
            { name: 'TimeoutError', code: 'ETIMEDOUT' },
          );
          cut(err);
        },
        Math.max(1, timeoutMs),
      );
    }
    stream.on('data', (chunk: Buffer | string) => {
      if (settled) return;
      const tooLarge = body.add(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (tooLarge) cut(tooLarge);
    });
  });
}

/** Named as the AWS SDK's own abort, which its retry strategy never retries. */
export function abortError(): Error {
  const err = new Error('request aborted');
  err.name = 'AbortError';
  return err;
}
