// /mcp is admitted as /graphql is (issue 104, item 1): one caller's request rate
// (JOBGRAPH_CALLER_RATE) is spent by both, so requests to either count against the other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoProcess, type DemoProcess } from '../support/demoProcess.ts';

const RATE = 4;

describe('/mcp and /graphql share the caller’s request rate', () => {
  let demo: DemoProcess;
  let mcpUrl: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'jobgraph-mcp-rate-'));
  beforeAll(async () => {
    demo = await startDemoProcess({
      JOBGRAPH_DATA_DIR: dataDir,
      JOBGRAPH_CALLER_RATE: `${RATE}/1h`,
    });
    mcpUrl = demo.url.replace(/\/graphql$/, '/mcp');
  });
  afterAll(async () => {
    demo?.child.kill('SIGTERM');
    await demo?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The banner's token whose entry starts with `name`. */
  const token = (name: string) =>
    new RegExp(`\\d\\. ${name} — [^\\n]*\\n {4}Authorization: Bearer (\\S+)`).exec(
      demo.output.stdout,
    )?.[1] as string;
  const post = (url: string, bearer: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${bearer}`,
      },
      body: JSON.stringify(body),
    });
  const graphql = { query: '{ __typename }' };
  const mcp = { jsonrpc: '2.0', id: 1, method: 'ping', params: {} };

  it('refuses /mcp (429) to a caller who spent its rate on /graphql', async () => {
    const secrets = token('Secrets reader');
    for (let i = 0; i < RATE; i++)
      expect((await post(demo.url, secrets, graphql)).status).toBe(200);
    expect((await post(mcpUrl, secrets, mcp)).status).toBe(429);
  });

  it('refuses /graphql (429) to a caller who spent its rate on /mcp', async () => {
    const notifier = token('Notifier');
    for (let i = 0; i < RATE; i++) expect((await post(mcpUrl, notifier, mcp)).status).not.toBe(429);
    expect((await post(demo.url, notifier, graphql)).status).toBe(429);
  });
});
