import { expect } from 'vitest';
import type { DemoProcess } from './demoProcess.ts';

/** Where the demo process's stdout and stderr stand now, for `printedSince`. */
export const outputMark = (demo: DemoProcess) => ({
  stdout: demo.output.stdout.length,
  stderr: demo.output.stderr.length,
});

/**
 * Expects the demo process to answer a query for `jobId` with 200, sent with request ID
 * `requestId`, and waits for that request's log line: it marks the end of what came before.
 */
export async function expectStillServing(demo: DemoProcess, requestId: string, jobId: string) {
  const res = await fetch(demo.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${demo.token}`,
      'x-request-id': requestId,
    },
    body: JSON.stringify({ query: `{ job(id: "${jobId}") { id } }` }),
  });
  expect(res.status).toBe(200);
  await expect.poll(() => demo.output.stdout.includes(`"${requestId}"`)).toBe(true);
  expect(demo.child.exitCode).toBeNull();
}

/**
 * The lines the demo process printed on stdout and stderr since `from`, after expecting every one
 * to be a JSON object; with each parsed.
 */
export function printedSince(demo: DemoProcess, from: ReturnType<typeof outputMark>) {
  const lines = [
    ...demo.output.stdout.slice(from.stdout).split('\n'),
    ...demo.output.stderr.slice(from.stderr).split('\n'),
  ].filter(Boolean);
  const notJson = lines.filter((line) => {
    try {
      return typeof JSON.parse(line) !== 'object';
    } catch {
      return true;
    }
  });
  expect(notJson).toEqual([]);
  const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown });
  return { lines, logged };
}
