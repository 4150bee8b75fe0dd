/**
 * `jobgraph schema`: the SDL of schema/*.graphql, printed for the two audiences that ask for it.
 *
 * - default: the client-facing schema, what a frontend's codegen (graphql-codegen, Apollo
 *   Client) queries: types, interfaces, enums, Query and Subscription with their descriptions and
 *   `@deprecated`, without the federation machinery (`_service`, `_entities`, `_Any`, `_Entity`,
 *   `@link`, `@key`, `@requiresScopes`, …) and without `@inaccessible` elements, as a router's API
 *   schema leaves them out;
 * - `--subgraph`: the Federation 2 subgraph SDL, exactly what `{ _service { sdl } }` answers,
 *   for a supergraph's composition (`rover subgraph publish --schema -`);
 * - `--possible-types`: the `possibleTypes` map `new InMemoryCache({ possibleTypes })` needs, from
 *   the client-facing schema.
 *
 * Only graphql loads (plus @apollo/subgraph for `--subgraph`): no resolvers, no configuration, no
 * environment, no server.
 */
import {
  DirectiveLocation,
  Kind,
  buildASTSchema,
  execute,
  isAbstractType,
  parse,
  printSchema,
  specifiedDirectives,
  visit,
  type ASTNode,
  type ConstDirectiveNode,
  type DirectiveDefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { loadTypeDefs } from '../sdl.ts';

export type SchemaOutput = 'client' | 'subgraph' | 'possible-types';

/** The subgraph SDL as one document (src/sdl.ts), read without the resolvers and Apollo packages. */
export const readSubgraphDocument = loadTypeDefs;

const SPECIFIED_DIRECTIVES = new Set(specifiedDirectives.map((d) => d.name));
const FEDERATION_SPEC = /^https:\/\/specs\.apollo\.dev\/federation\/v\d/;

const stringArg = (directive: ConstDirectiveNode, name: string): string | undefined => {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
};

/** The names `@inaccessible` goes by in this document: imported (perhaps renamed) by `@link`, or prefixed. */
function inaccessibleNames(document: DocumentNode): Set<string> {
  const names = new Set(['federation__inaccessible']);
  for (const def of document.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of def.directives ?? []) {
      const url = stringArg(link, 'url');
      if (link.name.value !== 'link' || !url || !FEDERATION_SPEC.test(url)) continue;
      names.add(`${stringArg(link, 'as') ?? 'federation'}__inaccessible`);
      const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
      for (const item of imports?.kind === Kind.LIST ? imports.values : []) {
        if (item.kind === Kind.STRING && item.value === '@inaccessible') names.add('inaccessible');
        if (item.kind !== Kind.OBJECT) continue;
        const field = (name: string) => item.fields.find((f) => f.name.value === name)?.value;
        const [name, as] = [field('name'), field('as')];
        if (name?.kind === Kind.STRING && name.value === '@inaccessible')
          names.add(as?.kind === Kind.STRING ? as.value.replace(/^@/, '') : 'inaccessible');
      }
    }
  }
  return names;
}

const TYPE_KINDS: ReadonlySet<string> = new Set([
  Kind.SCALAR_TYPE_DEFINITION,
  Kind.OBJECT_TYPE_DEFINITION,
  Kind.INTERFACE_TYPE_DEFINITION,
  Kind.UNION_TYPE_DEFINITION,
  Kind.ENUM_TYPE_DEFINITION,
  Kind.INPUT_OBJECT_TYPE_DEFINITION,
  Kind.SCALAR_TYPE_EXTENSION,
  Kind.OBJECT_TYPE_EXTENSION,
  Kind.INTERFACE_TYPE_EXTENSION,
  Kind.UNION_TYPE_EXTENSION,
  Kind.ENUM_TYPE_EXTENSION,
  Kind.INPUT_OBJECT_TYPE_EXTENSION,
]);
const MEMBER_KINDS: ReadonlySet<string> = new Set([
  Kind.FIELD_DEFINITION,
  Kind.INPUT_VALUE_DEFINITION,
  Kind.ENUM_VALUE_DEFINITION,
]);

const EXECUTABLE_LOCATIONS: ReadonlySet<string> = new Set([
  DirectiveLocation.QUERY,
  DirectiveLocation.MUTATION,
  DirectiveLocation.SUBSCRIPTION,
  DirectiveLocation.FIELD,
  DirectiveLocation.FRAGMENT_DEFINITION,
  DirectiveLocation.FRAGMENT_SPREAD,
  DirectiveLocation.INLINE_FRAGMENT,
  DirectiveLocation.VARIABLE_DEFINITION,
]);

/** A directive clients can write in an operation (say `@lowercase` on a field), which a router's API schema keeps. */
const isExecutableDirective = (def: DirectiveDefinitionNode): boolean =>
  def.locations.some((l) => EXECUTABLE_LOCATIONS.has(l.value));

/** The client-facing schema: the subgraph document without federation directives, link machinery and `@inaccessible` elements. */
export function clientSchema(document: DocumentNode = readSubgraphDocument()): GraphQLSchema {
  const hidden = inaccessibleNames(document);
  const isHidden = (node: ASTNode) =>
    'directives' in node && (node.directives ?? []).some((d) => hidden.has(d.name.value));
  // A type is hidden when any of its definitions or extensions says so.
  const removedTypes = new Set<string>();
  for (const def of document.definitions)
    if (TYPE_KINDS.has(def.kind) && 'name' in def && def.name && isHidden(def))
      removedTypes.add(def.name.value);
  const pruned = visit(document, {
    enter(node) {
      if (
        TYPE_KINDS.has(node.kind) &&
        'name' in node &&
        node.name &&
        removedTypes.has(node.name.value)
      )
        return null;
      if (MEMBER_KINDS.has(node.kind) && isHidden(node)) return null;
      if (node.kind === Kind.DIRECTIVE_DEFINITION && !isExecutableDirective(node)) return null;
      return undefined;
    },
  });
  const cleaned = visit(pruned, {
    // Every applied directive but graphql's own (`@deprecated`, `@specifiedBy`, `@oneOf`).
    Directive: (node) => (SPECIFIED_DIRECTIVES.has(node.name.value) ? undefined : null),
    // A member or interface that is no longer there.
    NamedType: (node, _key, parent) =>
      Array.isArray(parent) && removedTypes.has(node.name.value) ? null : undefined,
    // `extend schema @link(…)` is left empty.
    SchemaExtension: {
      leave: (node) => (node.operationTypes?.length || node.directives?.length ? undefined : null),
    },
  });
  return buildASTSchema(cleaned);
}

/** The client-facing SDL, with one trailing newline. */
function clientSdl(schema: GraphQLSchema = clientSchema()): string {
  return `${printSchema(schema)}\n`;
}

/**
 * Apollo Client's `possibleTypes`: every interface and union of `schema`, by name, mapped to
 * the object types that can stand for it; keys and lists sorted, so the output is stable.
 */
export function possibleTypes(schema: GraphQLSchema = clientSchema()): Record<string, string[]> {
  const abstract = Object.values(schema.getTypeMap())
    .filter(isAbstractType)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Object.fromEntries(
    abstract.map((type) => [
      type.name,
      schema
        .getPossibleTypes(type)
        .map((t) => t.name)
        .sort(),
    ]),
  );
}

/** What `{ _service { sdl } }` answers for this document, with one trailing newline. */
async function subgraphSdl(document: DocumentNode = readSubgraphDocument()): Promise<string> {
  const { buildSubgraphSchema } = await import('@apollo/subgraph');
  const result = await execute({
    schema: buildSubgraphSchema({ typeDefs: document }),
    document: parse('{ _service { sdl } }'),
  });
  const sdl = (result.data?._service as { sdl?: unknown } | undefined)?.sdl;
  if (typeof sdl !== 'string')
    throw new Error(
      `_service { sdl } answered no SDL: ${JSON.stringify(result.errors ?? result.data)}`,
    );
  return `${sdl.replace(/\s+$/, '')}\n`;
}

/** The text `jobgraph schema` prints for `output`. */
export async function schemaText(output: SchemaOutput): Promise<string> {
  switch (output) {
    case 'subgraph':
      return subgraphSdl();
    case 'possible-types':
      return `${JSON.stringify(possibleTypes(), null, 2)}\n`;
    default:
      return clientSdl();
  }
}
