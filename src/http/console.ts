import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';

/** Where `npm run build` writes the console (console/build.mjs); the same from src/ and dist/. */
const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

const CONSOLE_PATH = '/console';

/**
 * The page's policy: its own script and stylesheet only (no inline script or style, no eval), calls
 * to this origin only, no frames, no plugins, no base or form targets elsewhere.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Manifest {
  script: string;
  style: string;
}

function readManifest(dir: string): Manifest | null {
  try {
    const m = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as Partial<Manifest>;
    return typeof m.script === 'string' && typeof m.style === 'string'
      ? { script: m.script, style: m.style }
      : null;
  } catch {
    return null;
  }
}

/**
 * The page for every console path. Asset URLs are relative to the page (`/console` → `console/
 * assets/…`, `/console/jobs/x` → `../assets/…`), so the console works under any prefix a
 * reverse proxy puts in front of jobgraph.
 */
function page(manifest: Manifest, depth: number): string {
  const assets = depth === 0 ? 'console/assets/' : `${'../'.repeat(depth - 1)}assets/`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<title>jobgraph · jobs</title>',
    // No favicon request: the page asks for nothing it does not use.
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="${assets}${manifest.style}">`,
    `<script type="module" src="${assets}${manifest.script}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    '<noscript>The jobgraph console needs JavaScript.</noscript>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function securityHeaders(res: express.Response): void {
  res.setHeader('content-security-policy', CONSOLE_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
}

/**
 * `GET /console` (the list), `/console/jobs/<global ID>` (one job), `/console/history`, `/console/notifications`, `/console/queues` and `/console/assets/<hashed
 * name>`: the page is HTML that names its hashed script and stylesheet, revalidated on every load
 * (`no-cache`); the assets change name when they change, so they are cached for a year,
 * immutable. The page needs the build (`npm run build`); without it, /console says so (503).
 */
export function consoleRouter(dir: string = CONSOLE_DIR): express.Router {
  const router = express.Router({ strict: true });
  const manifest = readManifest(dir);
  router.use(`${CONSOLE_PATH}/assets`, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    securityHeaders(res);
    express.static(`${dir}assets`, {
      immutable: true,
      maxAge: '365d',
      index: false,
      redirect: false,
      fallthrough: true,
    })(req, res, next);
  });
  const serve =
    (depth: number): express.RequestHandler =>
    (_req, res) => {
      securityHeaders(res);
      res.setHeader('cache-control', 'no-cache');
      if (!manifest) {
        res
          .status(503)
          .type('text/plain')
          .send('The jobs console is not built: run `npm run build`.\n');
        return;
      }
      res.type('html').send(page(manifest, depth));
    };
  router.get(CONSOLE_PATH, serve(0));
  router.get(`${CONSOLE_PATH}/`, serve(1));
  router.get(`${CONSOLE_PATH}/jobs/:id`, serve(2));
  // The history view (console/src/history.tsx): its assets are beside it, as `/console/`'s.
  router.get(`${CONSOLE_PATH}/history`, serve(1));
  router.get(`${CONSOLE_PATH}/notifications`, serve(1));
  router.get(`${CONSOLE_PATH}/queues`, serve(1));
  return router;
}
