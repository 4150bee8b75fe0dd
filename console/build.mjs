// Builds the jobs console (console/src) into dist/console/: one hashed script and one hashed
// stylesheet under assets/, and manifest.json naming them for the server (src/http/console.ts).
// Runs after `tsc` (npm run build): the job page's queries are made from the compiled schema, the
// ID grammar from the compiled provider registry.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = `${root}dist/console/`;
const { buildSchema } = await import(`${root}dist/schema.js`);
const { consoleJobQueries, consoleUnixTimeFields } = await import(
  `${root}dist/http/consoleQueries.js`
);
const { PROVIDERS } = await import(`${root}dist/datasources/registry.js`);
const { PATTERNS } = await import(`${root}dist/config/patterns.js`);
const { PROVIDER_LABEL } = await import(`${root}dist/datasources/shared/classify.js`);

// Each provider's global-ID grammar (src/datasources/<p>/key.ts), for the page's ID search and its
// filter checks: the prefix, then each part with its documented form and pattern; and what the
// pages name it and whether the list offers it, so the console names no provider itself.
const idGrammar = PROVIDERS.map(({ name, key, list }) => ({
  provider: name,
  label: PROVIDER_LABEL[name],
  listable: list !== undefined,
  prefix: key.prefix,
  // Whether its IDs name an account by alias (`panorama@staging:…`): the keys without an account part.
  aliased: key.accountPart === undefined,
  parts: key.parts.map(([part, pattern]) => ({
    name: part,
    form: PATTERNS[pattern].form,
    pattern: PATTERNS[pattern].re.source,
  })),
}));

// The fields of listJobs' sources this schema has: the list asks each source's account only where
// the schema has JobListSource.account, so a console built from this checkout fits its server.
const schema = buildSchema().schema;
const listSourceFields = Object.keys(schema.getType('JobListSource').getFields());

rmSync(out, { recursive: true, force: true });
const result = await build({
  entryPoints: { console: `${root}console/src/main.tsx` },
  outdir: `${out}assets`,
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  metafile: true,
  define: {
    JOBGRAPH_JOB_QUERIES: JSON.stringify(consoleJobQueries(schema)),
    JOBGRAPH_UNIX_TIME_FIELDS: JSON.stringify(consoleUnixTimeFields(schema)),
    JOBGRAPH_LIST_SOURCE_FIELDS: JSON.stringify(listSourceFields),
    JOBGRAPH_ID_GRAMMAR: JSON.stringify(idGrammar),
  },
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((f) => basename(f));
const manifest = {
  script: outputs.find((f) => f.endsWith('.js')),
  style: outputs.find((f) => f.endsWith('.css')),
};
// The licenses of the packages bundled into the script (Preact, graphql-sse), shipped beside it.
const script = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
const packages = new Set(
  Object.entries(script.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([file]) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1])
    .filter(Boolean),
);
const notices = [...packages].sort().map((name) => {
  const dir = `${root}node_modules/${name}/`;
  const { version, license } = JSON.parse(readFileSync(`${dir}package.json`, 'utf8'));
  const file = ['LICENSE', 'LICENSE.md', 'license'].find((f) => existsSync(`${dir}${f}`));
  const text = file ? readFileSync(`${dir}${file}`, 'utf8').trim() : `License: ${license}`;
  return `${name}@${version}\n\n${text}\n`;
});
writeFileSync(`${out}THIRD-PARTY-LICENSES.txt`, notices.join(`\n${'-'.repeat(72)}\n\n`));
if (!manifest.script || !manifest.style)
  throw new Error(`console build: missing outputs ${outputs}`);
writeFileSync(`${out}manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
