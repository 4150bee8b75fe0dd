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
import { KINDS, PROVIDERS, kindOf } from '../../src/datasources/registry.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { JOB_TYPE_NAMES, typeNameOf } from '../../src/model/jobKeys.ts';
import { EMULATOR_LABELS, EXAMPLE_KIND_GLOBAL_IDS, exampleGlobalIds } from '@jobgraph/emulators';
import { sandboxDocument } from '../../src/cli/sandboxQuery.ts';
import { buildSchema } from '../../src/schema.ts';
import type { TestGateway } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

// As the demo passes them: each provider's example, then the further kinds' (the document orders them).
const ids = [...Object.values(exampleGlobalIds()), ...EXAMPLE_KIND_GLOBAL_IDS];
const document = sandboxDocument(ids);
/** The concrete type of the job a global ID names. */
const typeOfId = (id: string) => typeNameOf(parseGlobalId(id));
/** The dashboard's IDs, in its order. */
const dashboardIds = [...document.matchAll(/^ {4}"([^"]+)"$/gm)].map((m) => m[1]!);

/** The selection of each job of the Dashboard operation's `jobs` field. */
const dashboardJob = (
  (parse(document).definitions as OperationDefinitionNode[]).find(
    (d) => d.name?.value === 'Dashboard',
  )?.selectionSet.selections[0] as FieldNode
).selectionSet as SelectionSetNode;

/** The names of a job's kind's own top-level dashboard fields. */
const ownFieldNames = (id: string) =>
  (
    parse(`{ ${kindOf(parseGlobalId(id)).dashboardFields} }`)
      .definitions[0] as OperationDefinitionNode
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

  it('is the jobs dashboard over one job of every kind, in the registry’s order, each job’s name first', () => {
    expect(Object.keys(exampleGlobalIds())).toHaveLength(Object.keys(EMULATOR_LABELS).length);
    expect(Object.keys(exampleGlobalIds())).toHaveLength(PROVIDERS.length);
    // One job of each kind of the registry (KINDS), none left out, in its order.
    expect(dashboardIds.map(typeOfId)).toEqual(JOB_TYPE_NAMES);
    expect(new Set(dashboardIds)).toEqual(new Set(ids));
    expect(document).toMatch(/^\s*jobs\(ids: \[/m);
    expect(dashboardJob.selections.map((s) => (s as FieldNode).name?.value).slice(0, 2)).toEqual([
      'name',
      'id',
    ]);
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
      const jobs = res.data?.jobs as { id: string; name: string | null; state: string }[];
      expect(jobs.map((j) => j.id)).toEqual(dashboardIds);
      expect(jobs.map((j) => typeOfId(j.id))).toEqual(JOB_TYPE_NAMES);
      // Each job's own fields came back through its kind's fragment.
      for (const job of jobs)
        expect(Object.keys(job), job.id).toEqual(expect.arrayContaining(ownFieldNames(job.id)));
      // The further kinds' examples are named (a run's, a batch's, a service job's name).
      for (const id of EXAMPLE_KIND_GLOBAL_IDS)
        expect(jobs.find((j) => j.id === id)?.name, id).toEqual(expect.any(String));
      // CodePipeline's operation has no status; every other example shows one.
      expect(jobs.filter((j) => j.state !== 'UNKNOWN')).toHaveLength(jobs.length - 1);
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
