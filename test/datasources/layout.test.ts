import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Each provider folder, with the name of its one exported factory. */
const PROVIDERS = {
  panorama: 'createPanoramaSource',
  omics: 'createOmicsSource',
  codepipeline: 'createCodePipelineSource',
  cosbatch: 'createCosBatchSource',
  importexport: 'createImportExportSource',
} as const;
type Folder = keyof typeof PROVIDERS;
const FOLDERS = Object.keys(PROVIDERS) as Folder[];

/** The provider template (CONVENTIONS.md, "Layout and naming"): these files, in every provider folder. */
const TEMPLATE = ['client.ts', 'errors.ts', 'index.ts', 'parse.ts', 'record.ts'];
/**
 * Files a provider has beyond the template, named here so that a new one is a decision.
 */
// list.ts: the provider's list operation (request and page parse), for the providers that list
// jobs; CodePipeline's only listing (PollForJobs) claims work for a worker, so it has none.
const EXTRA: Record<Folder, string[]> = {
  panorama: ['list.ts'],
  omics: ['list.ts'],
  codepipeline: [],
  cosbatch: ['signer.ts', 'list.ts'],
  importexport: ['list.ts'],
};

/** The tests every provider has, mirroring its folder. */
const TESTS = [
  'client.test.ts',
  'integration.test.ts',
  'parse.test.ts',
  'protocol.test.ts',
  'record.test.ts',
];
/** Test files and support beyond that set. */
const EXTRA_TESTS: Record<Folder, string[]> = {
  panorama: ['list.test.ts'],
  omics: ['list.test.ts'],
  codepipeline: [],
  cosbatch: ['signer.test.ts', 'list.test.ts'],
  importexport: ['helpers.ts', 'list.test.ts'],
};

const list = (dir: URL) => readdirSync(dir).sort();
const srcDir = (folder: Folder) => new URL(`../../src/datasources/${folder}/`, import.meta.url);

describe('Datasources layout', () => {
  it.each(FOLDERS)('gives %s the template files and only the extras it declares', (folder) => {
    expect(list(srcDir(folder))).toEqual([...TEMPLATE, ...EXTRA[folder]].sort());
  });

  it.each(FOLDERS)('gives %s the same test files as every other provider', (folder) => {
    expect(list(new URL(`./${folder}/`, import.meta.url))).toEqual(
      [...TESTS, ...EXTRA_TESTS[folder]].sort(),
    );
  });

  it.each(FOLDERS)('has %s/index.ts export only its create…Source', async (folder) => {
    const module = (await import(`../../src/datasources/${folder}/index.ts`)) as Record<
      string,
      unknown
    >;
    expect(Object.keys(module)).toEqual([PROVIDERS[folder]]);
    // Types leave no trace at run time: the source text shows every export, type-only ones too.
    const exports =
      readFileSync(new URL('index.ts', srcDir(folder)), 'utf8').match(/^export\b.*$/gm) ?? [];
    expect(exports).toHaveLength(1);
    expect(exports[0]).toMatch(new RegExp(`^export function ${PROVIDERS[folder]}\\(`));
  });

  it.each(FOLDERS)(
    'has %s export toUpstreamError from errors.ts and parse from parse.ts',
    async (folder) => {
      const errors = (await import(`../../src/datasources/${folder}/errors.ts`)) as Record<
        string,
        unknown
      >;
      const parse = (await import(`../../src/datasources/${folder}/parse.ts`)) as Record<
        string,
        unknown
      >;
      expect(typeof errors.toUpstreamError).toBe('function');
      expect(typeof parse.parse).toBe('function');
    },
  );
});
