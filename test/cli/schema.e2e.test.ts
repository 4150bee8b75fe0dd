import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import {
  Kind,
  buildASTSchema,
  buildSchema as buildSchemaFromSdl,
  execute,
  isAbstractType,
  isObjectType,
  lexicographicSortSchema,
  parse,
  print,
  printSchema,
  visit,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema, loadTypeDefs } from '../../src/schema.ts';
import { clientSchema, readSubgraphDocument } from '../../src/cli/schema.ts';

const BIN = fileURLToPath(new URL('../../bin/jobgraph.mjs', import.meta.url));
const LOADED_HOOK = fileURLToPath(new URL('../support/loadedModules.mjs', import.meta.url));
// Every kind of job's type (a provider's further kinds too: Batch service jobs, HealthOmics runs and run batches).
const JOB_TYPES = [
  'BatchJob',
  'BatchServiceJob',
  'CodePipelineJob',
  'CosBatchJob',
  'ImportExportJob',
  'OmicsReferenceImportJob',
  'OmicsRun',
  'OmicsRunBatch',
  'PanoramaPackageImportJob',
];

/** Run the CLI to its exit with nothing in the environment but PATH: no secret, no AWS variables. */
function run(
  args: string[],
  nodeArgs: string[] = [],
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    // A command that started a server would never exit: the test's timeout would say so.
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

/** A schema printed with its types, fields and arguments in name order, so two builds compare whatever their order. */
const sorted = (schema: GraphQLSchema): string => printSchema(lexicographicSortSchema(schema));

/** The same, without descriptions. */
const sortedShape = (schema: GraphQLSchema): string =>
  sorted(
    buildASTSchema(
      visit(parse(printSchema(schema)), {
        enter: (node) =>
          'description' in node && node.description
            ? { ...node, description: undefined }
            : undefined,
      }),
    ),
  );

/** The served (executable) schema as a client sees it: without the federation types, root fields and directive definitions. */
function servedWithoutFederation(): GraphQLSchema {
  const machinery = (name: string) => /^(_|link__|federation__)/.test(name);
  const document = visit(parse(printSchema(buildSchema().schema)), {
    DirectiveDefinition: () => null,
    enter(node) {
      if (
        'name' in node &&
        node.name &&
        node.kind !== Kind.NAMED_TYPE &&
        node.kind !== Kind.FIELD_DEFINITION &&
        machinery(node.name.value)
      )
        return null;
      if (
        node.kind === Kind.FIELD_DEFINITION &&
        (node.name.value === '_service' || node.name.value === '_entities')
      )
        return null;
      return undefined;
    },
  });
  return buildASTSchema(document);
}

/** Apollo Client's possibleTypes, computed as its documentation does, from a schema built from the SDL alone. */
function possibleTypesOf(sdl: string): Record<string, string[]> {
  const schema = buildSchemaFromSdl(sdl);
  const out: Record<string, string[]> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (isAbstractType(type)) out[type.name] = schema.getPossibleTypes(type).map((t) => t.name);
  }
  return out;
}

describe('jobgraph schema', () => {
  it('prints the client-facing SDL: valid, with the Job interface, its five types and jobUpdates, without federation machinery', async () => {
    const { stdout, stderr, code } = await run(['schema']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const schema = buildSchemaFromSdl(stdout);
    expect(stdout).toContain('interface Job {');
    for (const name of JOB_TYPES) {
      const type = schema.getType(name);
      expect(isObjectType(type) && type.getInterfaces().map((i) => i.name), name).toEqual(['Job']);
      expect(stdout).toContain(`type ${name} implements Job {`);
    }
    expect(schema.getSubscriptionType()?.getFields().jobUpdates?.type.toString()).toBe('Job!');
    expect(Object.keys(schema.getQueryType()?.getFields() ?? {})).toContain('job');
    expect(stdout).toContain('"""The provider\'s own job ID."""'); // descriptions are kept
    for (const absent of [
      '_entities',
      '_service',
      '_Any',
      '_Entity',
      '_Service',
      'link__',
      'federation__',
      '@link',
      '@key',
      '@requiresScopes',
      '@shareable',
      'directive @',
    ]) {
      expect(stdout, absent).not.toContain(absent);
    }
    expect(stdout.endsWith('}\n')).toBe(true);
  });

  it('prints the schema jobgraph serves, less the federation types and root fields', async () => {
    // Descriptions aside: the served DateTime scalar takes its description from the resolver
    // (src/resolvers/DateTime.ts), not from the SDL that `_service.sdl` and a router show.
    expect(sortedShape(buildSchemaFromSdl((await run(['schema'])).stdout))).toBe(
      sortedShape(servedWithoutFederation()),
    );
  });

  it('prints the API schema a router composes from the subgraph SDL', async () => {
    const { stdout, code } = await run(['schema', '--subgraph']);
    expect(code).toBe(0);
    const composed = composeServices([
      { name: 'jobgraph', url: 'http://127.0.0.1:4000/graphql', typeDefs: parse(stdout) },
    ]);
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    expect(sorted(clientSchema())).toBe(sorted(composed.schema.toAPISchema().toGraphQLJSSchema()));
  });

  it('reads schema/*.graphql as the gateway does', () => {
    expect(print(readSubgraphDocument())).toBe(print(loadTypeDefs()));
  });

  it('leaves out @inaccessible types, fields, arguments and enum values, as the API schema does', () => {
    const document = parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", { name: "@inaccessible", as: "@hidden" }])
      interface Node @key(fields: "id") { id: ID! }
      type A implements Node & Internal @key(fields: "id") { id: ID! secret: String @hidden }
      type B implements Node @key(fields: "id") @hidden { id: ID! }
      interface Internal { id: ID! }
      extend interface Internal @hidden
      union Anything = A | B
      enum Color { RED GREEN @hidden }
      type Query { node(id: ID!, debug: Boolean @hidden): Node anything: [Anything!]! color: Color other: String @federation__inaccessible }
    `);
    expect(printSchema(clientSchema(document))).toBe(
      printSchema(
        buildSchemaFromSdl(`
          interface Node { id: ID! }
          type A implements Node { id: ID! }
          union Anything = A
          enum Color { RED }
          type Query { node(id: ID!): Node anything: [Anything!]! color: Color }
        `),
      ),
    );
  });

  it('prints with --subgraph exactly what _service { sdl } answers, with the federation directives', async () => {
    const { stdout, stderr, code } = await run(['schema', '--subgraph']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^interface Job\s+@key\(fields: "id"\)/m);
    for (const name of JOB_TYPES)
      expect(stdout).toMatch(
        new RegExp(`^type ${name} implements Job\\s+@key\\(fields: "id"\\)`, 'm'),
      );
    expect(stdout).toContain('@link(url: "https://specs.apollo.dev/federation/v2.');
    const served = await execute({
      schema: buildSchema().schema,
      document: parse('{ _service { sdl } }'),
      contextValue: {},
    });
    expect(served.errors).toBeUndefined();
    expect(stdout).toBe(`${(served.data?._service as { sdl: string }).sdl.trimEnd()}\n`);
  });

  it('prints with --possible-types the possibleTypes of every interface and union, sorted, as JSON', async () => {
    const [{ stdout, stderr, code }, client] = await Promise.all([
      run(['schema', '--possible-types']),
      run(['schema']),
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const map = JSON.parse(stdout) as Record<string, string[]>;
    const expected = possibleTypesOf(client.stdout);
    expect(map).toEqual(
      Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, [...v].sort()])),
    );
    expect(map.Job).toEqual(JOB_TYPES);
    // Stable: keys and lists in order, two-space JSON, one trailing newline.
    expect(Object.keys(map)).toEqual(Object.keys(map).sort());
    for (const list of Object.values(map)) expect(list).toEqual([...list].sort());
    expect(stdout).toBe(`${JSON.stringify(map, null, 2)}\n`);
    expect(stdout).not.toMatch(/_Entity/);
  });

  const APOLLO_CLIENT = existsSync(
    fileURLToPath(new URL('../../node_modules/@apollo/client/package.json', import.meta.url)),
  );
  it.skipIf(!APOLLO_CLIENT)(
    "lets Apollo Client's InMemoryCache read a fragment on Job from each job type",
    async () => {
      const possibleTypes = JSON.parse(
        (await run(['schema', '--possible-types'])).stdout,
      ) as Record<string, string[]>;
      const specifier = '@apollo/client/cache'; // a variable: the package is optional for this suite
      const { InMemoryCache } = (await import(/* @vite-ignore */ specifier)) as {
        InMemoryCache: new (options: object) => {
          writeFragment(options: object): unknown;
          readFragment(options: object): unknown;
        };
      };
      const readThroughJob = (cache: InstanceType<typeof InMemoryCache>, typename: string) => {
        const data = { __typename: typename, id: `${typename}-1`, state: 'QUEUED' };
        cache.writeFragment({
          id: `${typename}:${data.id}`,
          fragment: parse(`fragment W on ${typename} { id state }`),
          data,
        });
        return {
          data,
          read: cache.readFragment({
            id: `${typename}:${data.id}`,
            fragment: parse('fragment R on Job { id state }'),
          }),
        };
      };
      const cache = new InMemoryCache({ possibleTypes });
      for (const typename of JOB_TYPES) {
        const { data, read } = readThroughJob(cache, typename);
        expect(read, typename).toEqual(data);
      }
      // Without the map the cache cannot tell that a CosBatchJob is a Job, and the fragment's fields go missing.
      const { data, read } = readThroughJob(new InMemoryCache({}), 'CosBatchJob');
      expect(read).not.toEqual(data);
    },
  );

  it('needs no environment and loads only graphql (and @apollo/subgraph for --subgraph): no configuration, resolvers or server', async () => {
    const modules = (stderr: string): string[] =>
      JSON.parse(/^LOADED (.*)$/m.exec(stderr)?.[1] ?? 'null');
    for (const args of [['schema'], ['schema', '--possible-types'], ['schema', '--subgraph']]) {
      const { stderr, code } = await run(args, ['--import', LOADED_HOOK]);
      expect(code, args.join(' ')).toBe(0);
      const loaded = modules(stderr);
      expect(loaded.filter((m) => m.startsWith('dist/'))).toEqual([
        'dist/auth/identity.js',
        'dist/cli/main.js',
        'dist/cli/schema.js',
        'dist/sdl.js',
      ]);
      expect(
        loaded.filter((m) =>
          /^(node:(http|https|http2|net|dgram)|express|ws|graphql-ws|graphql-sse|@apollo\/server|@aws-sdk\/|jose|pino)$/.test(
            m,
          ),
        ),
      ).toEqual([]);
      expect(loaded.filter((m) => m.startsWith('@apollo/')).length > 0).toBe(
        args[1] === '--subgraph',
      );
    }
  });

  it('is listed by --help', async () => {
    const { stdout, code } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('jobgraph schema [--subgraph | --possible-types]');
  });

  it.each([
    [['schema', '--bogus'], '--bogus: unknown flag'],
    [['schema', '--ttl', '60'], '--ttl: not an option of "jobgraph schema"'],
    [['token', '--subgraph'], '--subgraph: not an option of "jobgraph token"'],
    [
      ['--possible-types'],
      '--possible-types: not an option of live mode (jobgraph with no command)',
    ],
    [
      ['schema', '--subgraph', '--possible-types'],
      '--subgraph and --possible-types: give one or the other',
    ],
    [['schema', 'sdl'], 'unexpected argument "sdl" after "schema"'],
  ])(
    'rejects %j as the other commands reject a bad flag: one line naming it, exit code 1',
    async (args, message) => {
      const { stdout, stderr, code } = await run(args);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `jobgraph: ${message}\nRun "npm run jobgraph -- --help" in a clone, "jobgraph --help" where installed, for the commands and their flags.\n`,
      );
    },
  );
});
