import { expect } from 'vitest';
import type { UpstreamError } from '../../../src/errors.ts';

/** The client-visible message never carries a URL, an upstream message or a body fragment. */
export function expectCleanMessage(err: UpstreamError, body = ''): void {
  expect(err.message).not.toMatch(/https?:\/\//);
  expect(err.message).not.toMatch(/[<>]/);
  const upstreamMessage = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (upstreamMessage) expect(err.message).not.toContain(upstreamMessage);
  expect(JSON.stringify(err)).not.toMatch(/https?:\/\//);
}
