import {
  Kind,
  parse,
  print,
  validate,
  type FieldNode,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { KINDS, PROVIDERS, providerOf } from '../../src/datasources/registry.ts';
import type { JobProvider } from '../../src/model/job.ts';
import { EMULATOR_LABELS, exampleGlobalIds } from '@jobgraph/emulators';
import { sandboxDocument } from '../../src/cli/sandboxQuery.ts';
import { buildSchema } from '../../src/schema.ts';
import type { TestGateway } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const ids = Object.values(exampleGlobalIds());
const document = sandboxDocument(ids);

/** The selection of each job of the Dashboard operation's `jobs` field. */
const dashboardJob = (
  (parse(document).definitions as OperationDefinitionNode[]).find(
    (d) => d.name?.value === 'Dashboard',
  )?.selectionSet.selections[0] as FieldNode
).selectionSet as SelectionSetNode;

/** The names of a provider's own top-level dashboard fields. */
const ownFieldNames = (provider: JobProvider) =>
  (
    parse(`{ ${providerOf(provider).dashboardFields} }`).definitions[0] as OperationDefinitionNode
  ).selectionSet.selections.map((s) => (s as FieldNode).name.value);

/** POST one named operation of a document with several. */
async function gqlOperation(gw: TestGateway, query: string, operationName: string, token: string) {
  const res = await fetch(gw.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, operationName }),
  });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

describe("The demo Sandbox's opening operations", () => {
  it('validates against the schema', () => {
    expect(validate(buildSchema().schema, parse(document))).toEqual([]);
  });

  it('is the jobs dashboard over every provider, with progress fields and each provider fragment', () => {
    expect(ids).toHaveLength(Object.keys(EMULATOR_LABELS).length);
    expect(ids).toHaveLength(PROVIDERS.length);
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
    expect(document).toContain('progressSummary {');
    expect(document).toContain('progressCode');
    expect(document).toContain('sources {');
  });

  it("has each kind of job of the registry contribute its own fields, in the registry's order", () => {
    const fragments = dashboardJob.selections.filter(
      (s): s is InlineFragmentNode => s.kind === Kind.INLINE_FRAGMENT,
    );
    expect(fragments.map((f) => f.typeCondition?.name.value)).toEqual(
      KINDS.map((k) => k.key.typeName),
    );
    fragments.forEach((fragment, i) => {
      const kind = KINDS[i] as (typeof KINDS)[number];
      expect(print(fragment.selectionSet), kind.key.typeName).toBe(
        print(parse(`{ ${kind.dashboardFields} }`)),
      );
    });
  });

  describe('run against the demo data', () => {
    const gw = useTestGateway();

    it('answers every job without an error, most of them with a known state', async () => {
      const res = await gqlOperation(gw, document, 'Dashboard', gw.tokens.read);
      expect(res.errors).toBeUndefined();
      const jobs = res.data?.jobs as { id: string; provider: string; state: string }[];
      expect(jobs.map((j) => j.id)).toEqual(ids);
      expect(new Set(jobs.map((j) => j.provider)).size).toBe(ids.length);
      // Each job's own fields came back through its provider's fragment.
      for (const job of jobs)
        expect(Object.keys(job), job.provider).toEqual(
          expect.arrayContaining(ownFieldNames(job.provider as JobProvider)),
        );
      // CodePipeline's operation has no status; every other example shows one.
      expect(jobs.filter((j) => j.state !== 'UNKNOWN')).toHaveLength(ids.length - 1);
    });

    it('lists the latest jobs of every listable source, newest first', async () => {
      const res = await gqlOperation(gw, document, 'LatestJobs', gw.tokens.read);
      expect(res.errors).toBeUndefined();
      const list = res.data?.listJobs as {
        edges: { node: { createdAt: string } }[];
        sources: { state: string }[];
      };
      expect(list.edges).toHaveLength(25);
      const times = list.edges.map((e) => e.node.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
      expect(list.sources.filter((s) => s.state === 'LISTED').length).toBeGreaterThanOrEqual(4);
    });
  });
});
