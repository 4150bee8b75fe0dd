import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/datasources/registry.ts';
import { JOB_PROVIDERS } from '../../src/model/job.ts';

const DATASOURCES = new URL('../../src/datasources/', import.meta.url);

/** Folders of src/datasources/ that are not a provider: the engines and what providers share (logs: job log lines, docs/logs.md). */
const NOT_PROVIDERS = ['events', 'guard', 'listing', 'logs', 'shared', 'state'];

/** Each provider folder: the ones under src/datasources/ that are not an engine. */
const FOLDERS = readdirSync(DATASOURCES, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !NOT_PROVIDERS.includes(e.name))
  .map((e) => e.name)
  .sort();

/**
 * The provider template (CONVENTIONS.md, "Layout and naming"), in every provider folder:
 * client.ts its wire (the describe request, credentials, endpoint, signing), errors.ts its error
 * answers, key.ts its key and global-ID grammar, parse.ts its describe answer → record,
 * record.ts the record and its state map, index.ts its one `Provider` value.
 */
const TEMPLATE = ['client.ts', 'errors.ts', 'index.ts', 'key.ts', 'parse.ts', 'record.ts'];
/**
 * Files a provider has beyond the template, named here so that a new one is a decision.
 * list.ts: its list operations on the wire; listing.ts: its list pages as listed jobs, its
 * listJobs sources and (Panorama, COS Batch) watching through the list; events.ts: the job events
 * it publishes (`Provider.events`); details.ts (Batch): the describe record's nested objects,
 * read for parse.ts; setup.ts (COS Batch): its endpoint, keys and accounts by UIN, the descriptor's
 * setup; actions.ts: the calls that act on its jobs (cancel, terminate; issue #73); logPlace.ts
 * (Batch): where an attempt's CloudWatch Logs stream is (issue #87); failureRules.ts: its table
 * of failure rules (`Provider.failure`, issue #101), and facts.ts: what its record says of a job,
 * the fields those rules read among them (`Provider.facts`, issue #105), in every provider.
 * CodePipeline's only listing (PollForJobs) claims work for a worker, so it has neither.
 */
const EXTRA: Record<string, string[]> = {
  panorama: ['list.ts', 'listing.ts', 'failureRules.ts', 'facts.ts'],
  omics: [
    'list.ts',
    'listing.ts',
    'events.ts',
    'failureRules.ts',
    'facts.ts',
    // Its further kinds' folders (Provider.kinds), and the workflow calls and list streams
    // their operations share.
    'run',
    'runBatch',
    'workflows.ts',
    'workflowsListing.ts',
  ],
  codepipeline: ['events.ts', 'failureRules.ts', 'facts.ts'],
  cosbatch: [
    'signer.ts',
    'list.ts',
    'listing.ts',
    'setup.ts',
    'actions.ts',
    'failureRules.ts',
    'rerun.ts',
    'facts.ts',
  ],
  importexport: ['list.ts', 'listing.ts', 'actions.ts', 'failureRules.ts', 'facts.ts'],
  batch: [
    'list.ts',
    'listing.ts',
    'events.ts',
    // What a job's and a service job's events share: their order and listed row.
    'eventRecord.ts',
    'details.ts',
    'actions.ts',
    'logPlace.ts',
    'failureRules.ts',
    'facts.ts',
    'parts.ts',
    'rerun.ts',
    'queues.ts',
    // Its service jobs (issue 102), a further kind: a folder of their own.
    'serviceJob',
  ],
};

const indexOf = (folder: string) => new URL(`${folder}/index.ts`, DATASOURCES);

describe('Datasources layout', () => {
  it('has a folder for each provider of the registry, and the registry in JobProvider order', () => {
    expect(FOLDERS).toEqual(Object.keys(EXTRA).sort());
    expect(PROVIDERS.map((p) => p.name)).toEqual([...JOB_PROVIDERS]);
  });

  it.each(FOLDERS)('gives %s the template files and only the extras it declares', (folder) => {
    expect(readdirSync(new URL(`${folder}/`, DATASOURCES)).sort()).toEqual(
      [...TEMPLATE, ...(EXTRA[folder] ?? [])].sort(),
    );
  });

  it.each(FOLDERS)(
    'has %s/index.ts export only its Provider value, which the registry lists',
    async (folder) => {
      const module = (await import(`../../src/datasources/${folder}/index.ts`)) as Record<
        string,
        unknown
      >;
      const names = Object.keys(module);
      expect(names).toHaveLength(1);
      expect(PROVIDERS).toContain(module[names[0]!]);
      // Types leave no trace at run time: the source text shows every export, type-only ones too.
      const exports = readFileSync(indexOf(folder), 'utf8').match(/^export\b.*$/gm) ?? [];
      expect(exports).toEqual([expect.stringMatching(/^export const \w+: Provider</)]);
    },
  );

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
