import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of docs/architecture.md, checked on every file under src/: who may import
 * what. A rule broken here is a design change; say so in docs/architecture.md first.
 */

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

interface SourceFile {
  /** Path relative to src/, with forward slashes, e.g. `datasources/cosbatch/client.ts`. */
  path: string;
  text: string;
  /** Every module it imports: src-relative paths for relative specifiers, package names otherwise. */
  imports: string[];
}

const IMPORT_RE =
  /\b(?:import|export)\s[^'";]*?\bfrom\s*'([^']+)'|\bimport\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const files: SourceFile[] = walk(SRC).map((file) => {
  const text = readFileSync(file, 'utf8');
  const imports = [...text.matchAll(IMPORT_RE)].map((m) => {
    const spec = (m[1] ?? m[2] ?? m[3]) as string;
    return spec.startsWith('.')
      ? relative(SRC, resolve(dirname(file), spec))
          .split('\\')
          .join('/')
      : spec;
  });
  return { path: relative(SRC, file).split('\\').join('/'), text, imports };
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

  it('let only src/config.ts read the environment', () => {
    expect(
      files
        .filter((f) => f.path !== 'config.ts' && /\bprocess\.env\b/.test(f.text))
        .map((f) => f.path),
    ).toEqual([]);
  });
});

describe('The tree tells the story', () => {
  const entries = readdirSync(SRC, { withFileTypes: true });
  const looseFiles = entries.filter((e) => e.isFile()).map((e) => e.name);

  it('keeps at most 8 loose files at the top of src/: everything else lives in a folder named for its part', () => {
    expect(looseFiles.length, looseFiles.join(', ')).toBeLessThanOrEqual(8);
  });

  it("names every top-level part of src/ in the README's Layout, and nothing there that is not in the tree", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const layout = /^## Layout\n+```\n([\s\S]*?)```/m.exec(readme)?.[1];
    expect(layout, 'README has a Layout block').toBeDefined();
    // Each entry starts a line: `src/<name>` (a file, a folder with `/`, or a folder's `<p>/` or sub-folder).
    const named = [...(layout as string).matchAll(/^src\/([^\s/]+)(\/)?/gm)].map(
      (m) => (m[2] ? `${m[1]}/` : m[1]) as string,
    );
    const tree = entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
    expect([...new Set(named)].sort()).toEqual(tree.sort());
    for (const m of (layout as string).matchAll(/^src\/([\w/.]+?)(?:\/)?\s/gm)) {
      const path = (m[1] as string).replace(/<p>.*$/, '');
      expect(existsSync(join(SRC, path)), `README Layout names src/${m[1]}`).toBe(true);
    }
  });
});
