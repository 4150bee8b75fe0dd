import {
  getNamedType,
  isLeafType,
  isObjectType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { buildSchema } from '../../src/schema.ts';
import { jobsBody, post } from './queries.ts';

/**
 * A selection of every field (with `__typename` at each level) of `type`, down to `depth`
 * object levels; fields that take required arguments are left out.
 */
function selectAll(type: GraphQLObjectType, depth: number): string {
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => a.type.toString().endsWith('!'))) continue;
    const named = getNamedType(field.type);
    if (isObjectType(named)) {
      if (depth > 0) parts.push(`${field.name} { ${selectAll(named, depth - 1)} }`);
    } else if (isLeafType(named)) parts.push(field.name);
  }
  return parts.join(' ');
}

/**
 * One query per job type (implementations of `Job`), every field selected: same-named fields of
 * two job types may differ in type, which one selection set cannot hold.
 */
function probeQueries(schema: GraphQLSchema): string[] {
  return Object.values(schema.getTypeMap())
    .filter(
      (t): t is GraphQLObjectType =>
        isObjectType(t) && t.getInterfaces().some((i) => i.name === 'Job'),
    )
    .map(
      (t) =>
        `query BenchSecretProbe($ids: [ID!]!) { jobs(ids: $ids) { id ... on ${t.name} { ${selectAll(t, 3)} } } }`,
    );
}

/**
 * The IDs among `ids` whose job carries a value in any sensitive field — the project's central
 * list (`readAuthPolicy(schema).sensitiveFields`, i.e. the fields the SDL guards with
 * `jobs:secrets:read`) — asked with a token that may see them.
 */
export async function jobsHoldingSecrets(
  url: string,
  ids: readonly string[],
  secretsToken: string,
): Promise<Set<string>> {
  const { schema, policy } = buildSchema();
  const sensitive = new Set(policy.sensitiveFields.map((f) => `${f.type}.${f.field}`));
  const holds = (value: unknown): boolean => {
    if (value === null || value === undefined) return false;
    if (Array.isArray(value)) return value.some(holds);
    if (typeof value !== 'object') return false;
    const obj = value as Record<string, unknown>;
    return Object.entries(obj).some(([k, v]) => {
      if (sensitive.has(`${String(obj.__typename)}.${k}`))
        return v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
      return holds(v);
    });
  };
  const out = new Set<string>();
  for (const query of probeQueries(schema)) {
    const body = JSON.stringify({
      ...(JSON.parse(jobsBody(ids)) as object),
      operationName: 'BenchSecretProbe',
      query,
    });
    const res = await post(url, body, { authorization: `Bearer ${secretsToken}` });
    if (res.json.errors?.length && !res.json.data)
      throw new Error(`secret probe failed: ${res.text.slice(0, 500)}`);
    for (const job of (res.json.data?.jobs ?? []) as ({ id: string } | null)[])
      if (job && holds(job)) out.add(job.id);
  }
  return out;
}
