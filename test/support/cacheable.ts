import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { expect } from 'vitest';
import { PROVIDERS } from '../../src/datasources/registry.ts';
import { buildSchema } from '../../src/schema.ts';
import { gql } from './gateway.ts';

const { schema, policy } = buildSchema();
const sensitive = new Set(policy.sensitiveFields.map((f) => `${f.type}.${f.field}`));

/**
 * The selection below `type` that reaches every sensitive field (an object one by its
 * `__typename`), empty when none is below it: its leaves are exactly the secrets a job can hold.
 */
function secretSelection(type: GraphQLObjectType, seen: ReadonlySet<string>): string {
  return Object.values(type.getFields())
    .flatMap((field) => {
      const named = getNamedType(field.type);
      if (sensitive.has(`${type.name}.${field.name}`))
        return [isObjectType(named) ? `${field.name} { __typename }` : field.name];
      if (!isObjectType(named) || seen.has(named.name)) return [];
      const inner = secretSelection(named, new Set([...seen, named.name]));
      return inner ? [`${field.name} { ${inner} }`] : [];
    })
    .join(' ');
}

/** Each job's state and every secret of its type (the SDL's sensitive fields), each provider's type. */
const ALL_FIELDS = `id state terminal ${PROVIDERS.map((p) => {
  const type = schema.getType(p.key.typeName) as GraphQLObjectType;
  const selection = secretSelection(type, new Set([type.name]));
  return selection ? `... on ${type.name} { ${selection} }` : '';
}).join(' ')}`;

/** Every leaf value below `value` (an empty list or object has none). */
const leaves = (value: unknown): unknown[] =>
  value !== null && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [value];

/**
 * Which of `ids` (at most 100) the job cache's rules allow caching: finished (`terminal`) and
 * holding no secret value (no value below a field the SDL marks sensitive), as `gateway` answers
 * them to a token that may read secrets. Reading them fetches them, and the cache may keep them:
 * a test that counts the calls of a first fetch asks this of other jobs (`freshCopies` of them).
 */
export async function cacheableOf(
  gateway: { server: { url: string }; tokens: { secrets: string } },
  ids: readonly string[],
): Promise<Set<string>> {
  const res = await gql(gateway, `query($ids: [ID!]!) { jobs(ids: $ids) { ${ALL_FIELDS} } }`, {
    variables: { ids },
    token: gateway.tokens.secrets,
  });
  expect(res.body.errors).toBeUndefined();
  const jobs = res.body.data?.jobs as Record<string, unknown>[];
  const hasSecret = ({
    id: _id,
    state: _state,
    terminal: _terminal,
    ...secrets
  }: Record<string, unknown>) => leaves(secrets).some((v) => v !== null && v !== undefined);
  return new Set(jobs.filter((j) => j.terminal && !hasSecret(j)).map((j) => j.id as string));
}
