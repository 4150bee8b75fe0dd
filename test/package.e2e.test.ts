import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('The npm package', () => {
  it('packs the compiled code, the console bundle, the schema, the command, README and LICENSE — no sources, tests, bench or emulators', () => {
    // --ignore-scripts: `npm pack` would run `prepare` (the build); `npm test` has built dist/ already.
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [pack] = JSON.parse(out) as [{ name: string; files: { path: string }[] }];
    const files = pack.files.map((f) => f.path);
    expect(pack.name).toBe('jobgraph');
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'bin/jobgraph.mjs',
        'dist/cli/main.js',
        'dist/schema.js',
        'dist/console/manifest.json',
        'dist/console/THIRD-PARTY-LICENSES.txt',
        'schema/job.graphql',
        'schema/panorama.graphql',
        'schema/omics.graphql',
        'schema/cosbatch.graphql',
        'schema/importexport.graphql',
        'schema/codepipeline.graphql',
      ]),
    );
    // The emulators are a package of their own (@jobgraph/emulators, a dependency): none of their
    // files, compiled or not, is the gateway's.
    expect(files.filter((f) => /^(dist\/emulators\/|packages\/)/.test(f))).toEqual([]);
    expect(
      files.filter(
        (f) =>
          !/^(dist\/.*\.js|dist\/console\/(manifest\.json|THIRD-PARTY-LICENSES\.txt|assets\/console-[A-Z0-9]+\.css)|schema\/[a-z]+\.graphql|bin\/jobgraph\.mjs|LICENSE|README\.md|package\.json)$/.test(
            f,
          ),
      ),
    ).toEqual([]);
  });
});
