import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { PROVIDERS } from '../../src/datasources/registry.ts';
import { buildSchema } from '../../src/schema.ts';

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
export const SECRET_FIELDS = `id state terminal ${PROVIDERS.map((p) => {
  const type = schema.getType(p.key.typeName) as GraphQLObjectType;
  const selection = secretSelection(type, new Set([type.name]));
  return selection ? `... on ${type.name} { ${selection} }` : '';
}).join(' ')}`;

/** Every leaf value below `value` (an empty list or object has none). */
const leaves = (value: unknown): unknown[] =>
  value !== null && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [value];

/** Whether a job read with SECRET_FIELDS holds a secret value (a value below a sensitive field). */
export const holdsSecret = ({
  id: _id,
  state: _state,
  terminal: _terminal,
  ...secrets
}: Record<string, unknown>): boolean => leaves(secrets).some((v) => v !== null && v !== undefined);
