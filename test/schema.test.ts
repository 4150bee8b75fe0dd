import { createRequire } from 'node:module';
import {
  Kind,
  execute,
  parse,
  print,
  visit,
  type ConstDirectiveNode,
  type DocumentNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema, loadTypeDefs } from '../src/schema.ts';
import { withoutDescriptions } from './support/sdl.ts';

const sdl = print(loadTypeDefs());

describe('buildSchema', () => {
  it('builds from the SDL in schema/', () => {
    expect(buildSchema().schema.getType('CosBatchJob')).toBeDefined();
  });

  it('fails at start when a resolver names a type the SDL lacks', () => {
    const withoutType = sdl.replace(/\bCodePipelineJob\b/g, 'RenamedJob');
    expect(() => buildSchema(parse(withoutType))).toThrow(
      '"CodePipelineJob" defined in resolvers, but not in schema',
    );
  });

  it('fails at start when a resolver names a field the SDL lacks', () => {
    const withoutField = sdl.replace(/type Query \{[^}]*}/, 'type Query {\n  unrelated: Int\n}');
    expect(() => buildSchema(parse(withoutField))).toThrow(
      /^Query\.\w+ defined in resolvers, but not in schema$/,
    );
  });

  it('fails at start when an interface or union has no __resolveType', () => {
    const withUnion = `${sdl}\nunion Unresolved = CosBatchJob | CodePipelineJob\n`;
    expect(() => buildSchema(parse(withUnion))).toThrow(
      'Type "Unresolved" is missing a "__resolveType" resolver',
    );
  });
});

/** The SDL jobgraph serves: what `{ _service { sdl } }` answers (and `jobgraph schema --subgraph` prints). */
async function servedSdl(): Promise<string> {
  const result = await execute({
    schema: buildSchema().schema,
    document: parse('{ _service { sdl } }'),
    contextValue: {},
  });
  const sdl = (result.data?._service as { sdl?: unknown } | undefined)?.sdl;
  if (typeof sdl !== 'string') throw new Error(`no SDL: ${JSON.stringify(result)}`);
  return sdl;
}

/** graphql-schema-linter's programmatic API (CommonJS, untyped): the part these tests use. */
interface Linter {
  configuration: {
    Configuration: new (
      schema: undefined,
      options: { rules: readonly string[]; ignore: Record<string, readonly string[]> },
    ) => { getRules(): unknown[]; validate(): { message: string }[] };
  };
  validator: {
    validateSchemaDefinition(
      schema: { definition: string },
      rules: unknown[],
      configuration: unknown,
    ): { ruleName: string; message: string }[];
  };
}
const linter = createRequire(import.meta.url)('graphql-schema-linter') as Linter;

const DESCRIPTION_RULES = [
  'types-have-descriptions',
  'fields-have-descriptions',
  'arguments-have-descriptions',
  'input-object-values-have-descriptions',
  'enum-values-have-descriptions',
] as const;

/**
 * What federation adds to the served SDL and jobgraph does not define (`_Service`, `_Entity`,
 * `_Any`, `link__*`, `federation__*`, `Query._entities`, `Query._service`), as the linter's
 * schema coordinates: whatever the served SDL has beyond schema/*.graphql.
 */
function federationAdditions(served: DocumentNode, own: DocumentNode): string[] {
  const ownFields = new Map<string, Set<string>>();
  for (const def of own.definitions) {
    if (!('name' in def) || !def.name || def.kind === Kind.DIRECTIVE_DEFINITION) continue;
    const fields = ownFields.get(def.name.value) ?? new Set<string>();
    if ('fields' in def) for (const f of def.fields ?? []) fields.add(f.name.value);
    if ('values' in def) for (const v of def.values ?? []) fields.add(v.name.value);
    ownFields.set(def.name.value, fields);
  }
  const added: string[] = [];
  for (const def of served.definitions) {
    if (!('name' in def) || !def.name || def.kind === Kind.DIRECTIVE_DEFINITION) continue;
    const fields = ownFields.get(def.name.value);
    if (!fields) added.push(def.name.value);
    else if ('fields' in def)
      for (const f of def.fields ?? [])
        if (!fields.has(f.name.value)) added.push(`${def.name.value}.${f.name.value}`);
  }
  return added;
}

/** graphql-schema-linter's description rules over `sdl`, federation's own elements left out. */
function lintDescriptions(sdl: string, ignored: readonly string[]): string[] {
  const configuration = new linter.configuration.Configuration(undefined, {
    rules: DESCRIPTION_RULES,
    ignore: Object.fromEntries(DESCRIPTION_RULES.map((rule) => [rule, ignored])),
  });
  expect(configuration.validate()).toEqual([]);
  return linter.validator
    .validateSchemaDefinition({ definition: sdl }, configuration.getRules(), configuration)
    .map((e) => `${e.ruleName}: ${e.message}`);
}

describe('the served subgraph SDL', () => {
  it('describes every type, field, argument, input field and enum value jobgraph defines (graphql-schema-linter)', async () => {
    const sdl = await servedSdl();
    const ignored = federationAdditions(parse(sdl), loadTypeDefs());
    // Only federation's machinery is left out, never a name of jobgraph's.
    expect(ignored.length).toBeGreaterThan(0);
    for (const coordinate of ignored)
      expect(coordinate).toMatch(/(^|\.)(_|link__|federation__)[A-Za-z]*$/);
    expect(lintDescriptions(sdl, ignored)).toEqual([]);

    // The same lint finds what is missing: every description of jobgraph's own removed, each rule
    // reports, and still nothing of federation's.
    const found = lintDescriptions(withoutDescriptions(sdl), ignored);
    for (const rule of DESCRIPTION_RULES)
      expect(
        found.some((e) => e.startsWith(`${rule}:`)),
        rule,
      ).toBe(true);
    expect(found).toContain(
      'arguments-have-descriptions: The `id` argument of `job` is missing a description.',
    );
    expect(found).toContain(
      'enum-values-have-descriptions: The enum value `JobState.QUEUED` is missing a description.',
    );
    expect(found.filter((e) => /`(_|link__|federation__)|\._/.test(e))).toEqual([]);
  });

  it('imports with @link only what it uses', async () => {
    const document = parse(await servedSdl());
    const imported: string[] = [];
    const links: ConstDirectiveNode[] = [];
    for (const def of document.definitions)
      if (def.kind === Kind.SCHEMA_DEFINITION || def.kind === Kind.SCHEMA_EXTENSION)
        links.push(...(def.directives ?? []).filter((d) => d.name.value === 'link'));
    for (const link of links) {
      const list = link.arguments?.find((a) => a.name.value === 'import')?.value;
      for (const item of list?.kind === Kind.LIST ? list.values : []) {
        // "@name", "Type", or { name: "@name", as: "@alias" }: the name it goes by in this SDL.
        if (item.kind === Kind.STRING) imported.push(item.value);
        if (item.kind !== Kind.OBJECT) continue;
        const field = (name: string) => item.fields.find((f) => f.name.value === name)?.value;
        const local = field('as') ?? field('name');
        if (local?.kind === Kind.STRING) imported.push(local.value);
      }
    }
    expect(imported).toContain('@key');
    const used = new Set<string>();
    visit(document, {
      Directive: (node) => void used.add(`@${node.name.value}`),
      NamedType: (node) => void used.add(node.name.value),
    });
    expect(imported.filter((name) => !used.has(name))).toEqual([]);
  });
});
