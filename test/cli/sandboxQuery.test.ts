import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '../../src/emulators/index.ts';
import { sandboxDocument } from '../../src/cli/sandboxQuery.ts';
import { buildSchema } from '../../src/schema.ts';
import { gql, startTestGateway, type TestGateway } from '../support/gateway.ts';

const ids = Object.values(exampleGlobalIds());
const document = sandboxDocument(ids);

describe("The demo Sandbox's opening operation", () => {
  it('validates against the schema', () => {
    expect(validate(buildSchema().schema, parse(document))).toEqual([]);
  });

  it('is the jobs dashboard over every provider, with progress fields and each provider fragment', () => {
    expect(ids).toHaveLength(5);
    for (const id of ids) expect(document).toContain(`"${id}"`);
    expect(document).toMatch(/^\s*jobs\(ids: \[/m);
    for (const field of [
      'state',
      'providerStatus',
      'statusMessage',
      'terminal',
      'createdAt',
      'updatedAt',
      'completedAt',
    ]) {
      expect(document).toMatch(new RegExp(`^\\s{4}${field}$`, 'm'));
    }
    for (const type of [
      'PanoramaPackageImportJob',
      'OmicsReferenceImportJob',
      'CosBatchJob',
      'ImportExportJob',
      'CodePipelineJob',
    ]) {
      expect(document).toContain(`... on ${type} {`);
    }
    expect(document).toContain('progressSummary {');
    expect(document).toContain('progressCode');
    expect(document).toContain('sources {');
  });

  describe('run against the demo data', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway();
    });
    afterAll(async () => {
      await gw?.close();
    });

    it('answers every job without an error, most of them with a known state', async () => {
      const res = await gql(gw, document, { token: gw.tokens.read });
      expect(res.body.errors).toBeUndefined();
      const jobs = res.body.data?.jobs as { id: string; provider: string; state: string }[];
      expect(jobs.map((j) => j.id)).toEqual(ids);
      expect(new Set(jobs.map((j) => j.provider)).size).toBe(5);
      // CodePipeline's operation has no status; every other example shows one.
      expect(jobs.filter((j) => j.state !== 'UNKNOWN')).toHaveLength(4);
    });
  });
});
