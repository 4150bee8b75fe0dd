import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../src/datasources/registry.ts';
import { JOB_PROVIDERS } from '../src/model/job.ts';

/**
 * The import rules of docs/architecture.md, checked on every file under src/ and under the
 * emulators' package (packages/emulators/src/, read as `emulators/…` as it was in src/): who may
 * import what. A rule broken here is a design change; say so in docs/architecture.md first.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
/** The emulators' package's sources: their paths read `emulators/…`, as the package is named. */
const EMULATORS_SRC = join(ROOT, 'packages/emulators/src');
const EMULATORS_PACKAGE = '@jobgraph/emulators';

interface SourceFile {
  /** Path relative to src/, with forward slashes, e.g. `datasources/cosbatch/client.ts`. */
  path: string;
  text: string;
  /** Every module it imports: src-relative paths for relative specifiers, package names otherwise. */
  imports: string[];
  /** The imports that load a module at run time: `import type` and all-`type` lists left out. */
  valueImports: string[];
  /** Of those, the ones loaded with the file itself: `import()` left out too. */
  staticImports: string[];
}

const IMPORT_RE =
  /\b(?:import|export)\s[^'";]*?\bfrom\s*'([^']+)'|\bimport\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** An import or re-export statement that erases at compile time: `import type`, or `{ type A, type B }` only. */
const TYPE_ONLY_RE = /^(?:import|export)\s+(?:type\s|\{\s*type\s[^}]*\}\s*from)/;
const onlyTypes = (statement: string) =>
  TYPE_ONLY_RE.test(statement) &&
  (/^(?:import|export)\s+type\s/.test(statement) ||
    /\{([^}]*)\}/
      .exec(statement)?.[1]
      ?.split(',')
      .filter((s) => s.trim() !== '')
      .every((s) => s.trim().startsWith('type ')) === true);

/**
 * A file's path as the rules name it: src-relative (`datasources/cosbatch/client.ts`), the
 * emulators' package under `emulators/`; anything else (outside both trees) root-relative and
 * starting `../`, which no rule allows.
 */
function rulePath(file: string): string {
  const within = (dir: string) => relative(dir, file).split('\\').join('/');
  const inEmulators = within(EMULATORS_SRC);
  if (!inEmulators.startsWith('..')) return `emulators/${inEmulators}`;
  const inSrc = within(SRC);
  return inSrc.startsWith('..') ? `../${within(ROOT)}` : inSrc;
}

/** A specifier as the rules name it: a file's `rulePath`, the emulators' package by its files, else the package name. */
function ruleSpec(file: string, spec: string): string {
  if (spec.startsWith('.')) return rulePath(resolve(dirname(file), spec));
  if (spec === EMULATORS_PACKAGE) return 'emulators/index.ts';
  if (spec.startsWith(`${EMULATORS_PACKAGE}/`))
    return `emulators/${spec.slice(EMULATORS_PACKAGE.length + 1)}.ts`;
  return spec;
}

const files: SourceFile[] = [...walk(SRC), ...walk(EMULATORS_SRC)].map((file) => {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(IMPORT_RE)].map((m) => ({
    spec: ruleSpec(file, (m[1] ?? m[2] ?? m[3]) as string),
    typeOnly: onlyTypes(m[0]),
    dynamic: m[3] !== undefined,
  }));
  return {
    path: rulePath(file),
    text,
    imports: found.map((i) => i.spec),
    valueImports: found.filter((i) => !i.typeOnly).map((i) => i.spec),
    staticImports: found.filter((i) => !i.typeOnly && !i.dynamic).map((i) => i.spec),
  };
});

const under = (folder: string) => (path: string) =>
  path === folder || path.startsWith(`${folder}/`);
const isPackage = (names: string[]) => (spec: string) =>
  names.some((n) => spec === n || spec.startsWith(`${n}/`));

/** Imports of `files` in `folder` that `forbidden` matches, as `file → import` lines. */
function violations(folder: string, forbidden: (spec: string) => boolean): string[] {
  return files
    .filter((f) => under(folder)(f.path))
    .flatMap((f) => f.imports.filter(forbidden).map((spec) => `${f.path} → ${spec}`));
}

describe('The import rules', () => {
  it('finds the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.find((f) => f.path === 'http/server.ts')?.imports).toContain('schema.ts');
  });

  it('keep the emulators independent of the clients they test: nothing under src/emulators imports src/datasources', () => {
    expect(violations('emulators', under('datasources'))).toEqual([]);
  });

  it("keep the emulators' package apart from the gateway: its files import only each other and npm packages", () => {
    const inSrc = new Set(files.map((f) => f.path));
    const gateway = (spec: string) =>
      spec.startsWith('../') || (inSrc.has(spec) && !under('emulators')(spec));
    expect(violations('emulators', gateway)).toEqual([]);
  });

  it('reach the emulators from the gateway only by import() or import type: live mode never loads them', () => {
    const loads = files
      .filter((f) => !under('emulators')(f.path))
      .flatMap((f) =>
        f.staticImports.filter(under('emulators')).map((spec) => `${f.path} → ${spec}`),
      );
    expect(loads).toEqual([]);
  });

  it('keep the datasources free of GraphQL, the HTTP server and the emulators', () => {
    const serverSide = ['app.ts', 'schema.ts', 'context.ts'];
    const forbidden = (spec: string) =>
      serverSide.includes(spec) ||
      ['cli', 'http', 'resolvers', 'emulators', 'limits', 'auth'].some((folder) =>
        under(folder)(spec),
      ) ||
      isPackage(['graphql', '@apollo', '@graphql-tools', '@as-integrations', 'express'])(spec);
    expect(violations('datasources', forbidden)).toEqual([]);
  });

  it('keep the datasources off the HTTP edge: nothing under src/datasources imports src/http/ (where /healthz lives)', () => {
    // fd pressure is a runtime fact the edge reads: the datasources declare FailureObserver, FdHealth implements it.
    const edge = (spec: string) => under('http')(spec) || spec === 'health.ts';
    expect(violations('datasources', edge)).toEqual([]);
  });

  it('keep the query limits below the resolvers: nothing under src/limits imports src/resolvers', () => {
    // Keys (model/globalId.ts, model/jobKeys.ts) sit under both; limits → resolvers would close context → limits → resolvers → context.
    expect(violations('limits', under('resolvers'))).toEqual([]);
  });

  it('keep wire formats out of the resolvers: no datasource, XML parser or SDK import', () => {
    const forbidden = (spec: string) =>
      under('datasources')(spec) ||
      isPackage(['fast-xml-parser', '@aws-sdk', '@smithy', 'cos-nodejs-sdk-v5'])(spec);
    expect(violations('resolvers', forbidden)).toEqual([]);
  });

  it('keep the configuration on the ground floor: nothing under src/config imports another part of src/', () => {
    const inSrc = new Set(files.map((f) => f.path));
    expect(violations('config', (spec) => inSrc.has(spec) && !under('config')(spec))).toEqual([]);
  });

  it('let only the files of src/config/ read the environment', () => {
    expect(
      files
        .filter((f) => !under('config')(f.path) && /\bprocess\.env\b/.test(f.text))
        .map((f) => f.path),
    ).toEqual([]);
  });
});

/** The provider folders: each folder of src/datasources/ but the engines and what providers share. */
const PROVIDER_FOLDERS = readdirSync(join(SRC, 'datasources'), { withFileTypes: true })
  .filter(
    (e) =>
      e.isDirectory() &&
      !['acting', 'events', 'guard', 'listing', 'logs', 'shared', 'state'].includes(e.name),
  )
  .map((e) => `datasources/${e.name}`);
const inProviderFolder = (path: string) => PROVIDER_FOLDERS.some((folder) => under(folder)(path));

/** Every name a provider goes by in code: its JobProvider value, its folder, its global-ID prefix. */
const PROVIDER_NAMES = [
  ...JOB_PROVIDERS,
  ...PROVIDER_FOLDERS.map((f) => f.slice('datasources/'.length)),
  ...PROVIDERS.map((p) => p.key.prefix),
];
/** A branch on a provider's name: `case 'AWS_PANORAMA'`, `=== 'omics'`, `'cos' !== …`. */
const BRANCH_RE = new RegExp(
  `(?:case|[!=]==) *'(?:${PROVIDER_NAMES.join('|')})'|'(?:${PROVIDER_NAMES.join('|')})' *[!=]==`,
);

describe('One registry of providers', () => {
  it('finds the five provider folders', () => {
    expect(PROVIDER_FOLDERS.length).toBe(JOB_PROVIDERS.length);
  });

  it('lets only the provider folders, the emulators and the registry branch on a provider name', () => {
    const allowed = (path: string) =>
      inProviderFolder(path) || under('emulators')(path) || path === 'datasources/registry.ts';
    const branches = files
      .filter((f) => !allowed(f.path))
      .flatMap((f) =>
        f.text
          .split('\n')
          .map((line, i) => (BRANCH_RE.test(line) ? `${f.path}:${i + 1}: ${line.trim()}` : null))
          .filter((hit): hit is string => hit !== null),
      );
    expect(branches).toEqual([]);
  });

  it("names no provider's GraphQL type in the demo Sandbox's document: each provider's fragment comes from the registry", () => {
    const sandbox = files.find((f) => f.path === 'cli/sandboxQuery.ts');
    expect(sandbox).toBeDefined();
    const named = PROVIDERS.map((p) => p.key.typeName).filter((type) =>
      new RegExp(`\\b${type}\\b`).test(sandbox?.text ?? ''),
    );
    expect(named).toEqual([]);
  });

  it("keeps the engines off a provider's internals: listing, watching, model, cli and the shared datasource code import at most its index.ts", () => {
    const internal = (spec: string) => inProviderFolder(spec) && !spec.endsWith('/index.ts');
    const engines = [
      'datasources/events',
      'datasources/state',
      'datasources/listing',
      'datasources/guard',
      'datasources/shared',
      'subscriptions',
      'model',
      'cli',
    ];
    expect(engines.flatMap((folder) => violations(folder, internal))).toEqual([]);
  });

  it('imports the provider folders only from the registry (adding a provider is its folders and one registry line)', () => {
    const outside = files
      .filter((f) => !inProviderFolder(f.path) && f.path !== 'datasources/registry.ts')
      .flatMap((f) => f.imports.filter(inProviderFolder).map((spec) => `${f.path} → ${spec}`));
    expect(outside).toEqual([]);
  });

  it('never reaches the registry from a provider folder: its entries would still be uninitialised when a provider module loads first', () => {
    const byPath = new Map(files.map((f) => [f.path, f]));
    const reached = new Set<string>();
    const visit = (path: string) => {
      if (reached.has(path)) return;
      reached.add(path);
      for (const spec of byPath.get(path)?.valueImports ?? []) if (byPath.has(spec)) visit(spec);
    };
    for (const f of files) if (inProviderFolder(f.path)) visit(f.path);
    expect(reached.has('datasources/registry.ts')).toBe(false);
  });

  it('keeps per-provider tables and hand-made provider lists in the provider folders and the registries (the console too)', () => {
    const hits = [...files, ...CONSOLE_FILES]
      .filter((f) => !ownsProviderTable(f.path))
      .flatMap((f) =>
        f.text
          .split('\n')
          .map((line, i) =>
            TABLE_RE.test(line) || LIST_RE.test(line) ? `${f.path}:${i + 1}: ${line.trim()}` : null,
          )
          .filter((hit): hit is string => hit !== null),
      );
    expect(hits).toEqual([]);
  });

  it('lets only src/emulators/registry.ts import an emulator descriptor', () => {
    const outside = files
      .filter((f) => f.path !== 'emulators/registry.ts')
      .flatMap((f) =>
        f.imports
          .filter((spec) => /^emulators\/[^/]+\/descriptor\.ts$/.test(spec))
          .map((spec) => `${f.path} → ${spec}`),
      );
    expect(outside).toEqual([]);
  });
});

/**
 * The emulators' provider folders: each folder of src/emulators/ but STS's (the accounts' sessions),
 * SQS's (the queues the providers' events travel on) and CloudWatch Logs' (the AWS Batch jobs' log
 * lines): none is a provider.
 */
const NOT_PROVIDERS = new Set(['sts', 'sqs', 'logs']);
const EMULATOR_FOLDERS = readdirSync(EMULATORS_SRC, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !NOT_PROVIDERS.has(e.name))
  .map((e) => `emulators/${e.name}`);

/** The console's source, checked like src/ (paths `console/src/…`). */
const CONSOLE_SRC = fileURLToPath(new URL('../console/src/', import.meta.url));
const CONSOLE_FILES = readdirSync(CONSOLE_SRC)
  .filter((name) => /\.tsx?$/.test(name))
  .map((name) => ({
    path: `console/src/${name}`,
    text: readFileSync(join(CONSOLE_SRC, name), 'utf8'),
  }));

/**
 * Where a table keyed by provider, or a list of providers, may stand: each provider's own folders,
 * the two registries, and the few tables that must stay central because their floor lies below the
 * registry (docs/architecture.md, "The floors"):
 * - model/job.ts: JOB_PROVIDERS, the GraphQL enum `JobProvider` that the configuration, the keys and
 *   the schema speak; the vocabulary floor cannot import the registry (the layout test holds the
 *   registry to it).
 * - model/keys.ts: each provider's key type, on the vocabulary floor for the same reason.
 * - config/: only the configuration reads the environment (AWS_ENDPOINT_URL_BATCH, the rate
 *   budget's names), and it imports nothing of src/ (config.upstreamRateLimits.test.ts holds
 *   UPSTREAM_RATE_NAMES to the registry's prefixes).
 * - datasources/shared/classify.ts: PROVIDER_LABEL, read by the engines below the registry
 *   (shared, guard, listing), which the provider folders import: reading the registry there would
 *   close a circle.
 */
const CENTRAL_TABLES = [
  'model/job.ts',
  'model/keys.ts',
  'config/endpoints.ts',
  'config/limits.ts',
  'config/types.ts',
  'config/variableDocs.ts',
  'datasources/shared/classify.ts',
];
const ownsProviderTable = (path: string) =>
  inProviderFolder(path) ||
  EMULATOR_FOLDERS.some((folder) => under(folder)(path)) ||
  ['datasources/registry.ts', 'emulators/registry.ts', ...CENTRAL_TABLES].includes(path);

/** Every name a provider or its emulator goes by in code. */
const ALL_NAMES = [
  ...new Set([...PROVIDER_NAMES, ...EMULATOR_FOLDERS.map((f) => f.slice('emulators/'.length))]),
].join('|');
/** An entry of a table keyed by provider: `AWS_BATCH: …`, `batch: …`, `'cos': …`. */
const TABLE_RE = new RegExp(`^\\s*'?(?:${ALL_NAMES})'?\\??:`);
/** An entry of a hand-made list of providers: a line `'AWS_BATCH',`, or `['omics', 'cos']`. */
const LIST_RE = new RegExp(
  `^\\s*'(?:${ALL_NAMES})',?\\s*$|'(?:${ALL_NAMES})', *'(?:${ALL_NAMES})'`,
);

describe('The tree tells the story', () => {
  const entries = readdirSync(SRC, { withFileTypes: true });
  const looseFiles = entries.filter((e) => e.isFile()).map((e) => e.name);

  it('keeps at most 8 loose files at the top of src/: everything else lives in a folder named for its part', () => {
    expect(looseFiles.length, looseFiles.join(', ')).toBeLessThanOrEqual(8);
  });

  it("names every top-level part of src/ in docs/architecture.md's tree, and nothing there that is not in the tree", () => {
    const doc = readFileSync(new URL('../docs/architecture.md', import.meta.url), 'utf8');
    const layout = /^## The tree\n[\s\S]*?```\n([\s\S]*?)```/m.exec(doc)?.[1];
    expect(layout, 'docs/architecture.md has a tree block').toBeDefined();
    // Each entry starts a line: `src/<name>` (a file, a folder with `/`, or a folder's `<p>/` or sub-folder).
    const named = [...(layout as string).matchAll(/^src\/([^\s/]+)(\/)?/gm)].map(
      (m) => (m[2] ? `${m[1]}/` : m[1]) as string,
    );
    const tree = entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
    expect([...new Set(named)].sort()).toEqual(tree.sort());
    for (const m of (layout as string).matchAll(/^src\/([\w/.]+?)(?:\/)?\s/gm)) {
      const path = (m[1] as string).replace(/<p>.*$/, '');
      expect(existsSync(join(SRC, path)), `the tree names src/${m[1]}`).toBe(true);
    }
  });

  it("names every folder of src/datasources/ in docs/architecture.md's tree, each provider folder too", () => {
    const doc = readFileSync(new URL('../docs/architecture.md', import.meta.url), 'utf8');
    const layout = /^## The tree\n[\s\S]*?```\n([\s\S]*?)```/m.exec(doc)?.[1] ?? '';
    const folders = readdirSync(join(SRC, 'datasources'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    for (const folder of folders) {
      const named =
        layout.includes(`src/datasources/${folder}/`) ||
        new RegExp(`(^|[\\s,=])${folder}/[,\\s]`, 'm').test(layout);
      expect(named, `docs/architecture.md's tree names src/datasources/${folder}/`).toBe(true);
    }
  });
});
