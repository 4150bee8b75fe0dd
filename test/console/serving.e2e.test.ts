import { gzipSync } from 'node:zlib';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import {
  BATCH_DEMO_REGION,
  EXAMPLE_GLOBAL_ID as BATCH_EXAMPLE_ID,
} from '@jobgraph/emulators/batch/data';
import { SERVICE_JOB_IDS } from '@jobgraph/emulators/batch/serviceJobData';
import { OMICS_DEMO_REGION } from '@jobgraph/emulators/omics/data';
import { OMICS_DEMO_BATCH_ID } from '@jobgraph/emulators/omics/runBatchData';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { CONSOLE_CSP } from '../../src/http/console.ts';
import { consoleJobQueries } from '../../src/http/consoleQueries.ts';
import { buildSchema } from '../../src/schema.ts';
import { gql, startTestGateway, type TestGateway } from '../support/gateway.ts';

/** How the console is served: its headers, its assets, its size, its switch. (Its behaviour in a browser: console.e2e.test.ts.) */

let gw: TestGateway;
let base: string;

beforeAll(async () => {
  gw = await startTestGateway();
  base = new URL(gw.server.url).origin;
});
afterAll(() => gw?.close());

/** The page's script and stylesheet URLs, resolved against the page as a browser does. */
function assetsOf(html: string, pageUrl: string): { script: string; style: string } {
  const script = /<script type="module" src="([^"]+)"><\/script>/.exec(html)?.[1];
  const style = /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1];
  expect(script).toBeDefined();
  expect(style).toBeDefined();
  return { script: new URL(script!, pageUrl).href, style: new URL(style!, pageUrl).href };
}

describe('GET /console', () => {
  it.each([
    '/console',
    '/console/',
    `/console/jobs/${encodeURIComponent(exampleGlobalIds().cosbatch)}`,
    '/console/history',
    '/console/notifications',
    '/console/queues',
  ])(
    '%s: the page under a strict policy, revalidated each load, its hashed assets cached for a year',
    async (path) => {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(CONSOLE_CSP).toContain("script-src 'self'");
      expect(CONSOLE_CSP).toContain("connect-src 'self'");
      expect(CONSOLE_CSP).not.toContain('unsafe');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await res.text();
      // No inline script or style: every script has a src, no style attribute or element.
      expect(html.match(/<script/g)).toHaveLength(1);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      const { script, style } = assetsOf(html, `${base}${path}`);
      for (const [url, type] of [
        [script, 'text/javascript; charset=utf-8'],
        [style, 'text/css; charset=utf-8'],
      ] as const) {
        expect(new URL(url).pathname).toMatch(/^\/console\/assets\/console-[A-Z0-9]{8}\.(js|css)$/);
        const asset = await fetch(url);
        expect(asset.status).toBe(200);
        expect(asset.headers.get('content-type')).toBe(type);
        expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      }
    },
  );

  it('sends well under 150 KB of JavaScript, and every request it needs is on this origin', async () => {
    const html = await (await fetch(`${base}/console`)).text();
    const { script } = assetsOf(html, `${base}/console`);
    const js = Buffer.from(await (await fetch(script)).arrayBuffer());
    expect(js.length).toBeLessThan(150 * 1024);
    // Recorded for the README: minified and gzipped sizes.
    console.info(`console script: ${js.length} bytes, ${gzipSync(js).length} gzipped`);
    expect(html).not.toMatch(/https?:\/\//);
    expect(js.toString()).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/);
  });

  it('answers an unknown asset 404, and nothing but GET and HEAD', async () => {
    expect((await fetch(`${base}/console/assets/console-NOPE0000.js`)).status).toBe(404);
    expect((await fetch(`${base}/console/jobs/a/b`)).status).toBe(404);
    expect((await fetch(`${base}/console`, { method: 'POST' })).status).toBe(404);
  });

  it('follows the same CORS rules as /graphql', async () => {
    for (const origin of ['http://localhost:5173', 'https://evil.example']) {
      const [page, graphql] = await Promise.all(
        ['/console', '/graphql'].map((path) =>
          fetch(`${base}${path}`, {
            method: 'OPTIONS',
            headers: { origin, 'access-control-request-method': 'GET' },
          }),
        ),
      );
      expect(page!.headers.get('access-control-allow-origin')).toBe(
        graphql!.headers.get('access-control-allow-origin'),
      );
    }
  });

  it('asks each kind of job for every field of its type, within the query limits', async () => {
    const { schema } = buildSchema();
    const queries = consoleJobQueries(schema);
    expect(Object.keys(queries).sort()).toEqual(
      [
        'batch',
        'batchservice',
        'codepipeline',
        'cos',
        'importexport',
        'omics',
        'omicsbatch',
        'omicsrun',
        'panorama',
      ].sort(),
    );
    for (const [prefix, query] of Object.entries(queries)) {
      expect(validate(schema, parse(query)), prefix).toEqual([]);
      const id = [
        ...Object.values(exampleGlobalIds()),
        BATCH_EXAMPLE_ID,
        // The demo's jobs of each provider's further kinds.
        `omicsrun:${OMICS_DEMO_REGION}:${OMICS_DEMO_RUNS[0]!.uuid}:${OMICS_DEMO_RUNS[0]!.id}`,
        `omicsbatch:${OMICS_DEMO_REGION}:${OMICS_DEMO_BATCH_ID}`,
        `batchservice:${BATCH_DEMO_REGION}:${SERVICE_JOB_IDS.progressing}`,
      ].find((g) => g.startsWith(`${prefix}:`))!;
      const res = await gql(gw, query, { variables: { id }, token: gw.tokens.secrets });
      expect(res.body.errors, prefix).toBeUndefined();
      expect(res.body.data!.job.id).toBe(id);
    }
  });
});

describe('JOBGRAPH_CONSOLE', () => {
  it('is on by default in both modes; off turns /console off', async () => {
    expect(loadConfig({ mode: 'live' }, {}).console).toBe(true);
    expect(loadConfig({ mode: 'demo' }, {}).console).toBe(true);
    expect(loadConfig({ mode: 'live' }, { JOBGRAPH_CONSOLE: 'off' }).console).toBe(false);
    const off = await startTestGateway({ JOBGRAPH_CONSOLE: 'off' });
    try {
      const origin = new URL(off.server.url).origin;
      expect((await fetch(`${origin}/console`)).status).toBe(404);
      expect((await fetch(`${origin}/console/assets/x.js`)).status).toBe(404);
      expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
