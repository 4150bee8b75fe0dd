import { readdirSync, readFileSync } from 'node:fs';
import { Kind, parse, type FieldDefinitionNode, type TypeNode } from 'graphql';
import { describe, expect, it } from 'vitest';

/** Every object and interface type of schema/*.graphql, by name. */
const TYPES = new Map<string, readonly FieldDefinitionNode[]>();
const dir = new URL('../../schema/', import.meta.url);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.graphql'))) {
  for (const def of parse(readFileSync(new URL(file, dir), 'utf8')).definitions) {
    if (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.INTERFACE_TYPE_DEFINITION)
      TYPES.set(def.name.value, def.fields ?? []);
  }
}

const namedType = (type: TypeNode): string =>
  type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);

/**
 * Fields a resolver computes, not the provider's record: from the configuration (`Job.account`,
 * `Job.accountAlias`), from the marks of a kept record (`Job.retained`, `Job.lastConfirmedAt`:
 * absent on a live one), from the event queues' state (`Job.liveBy`), or from the history store
 * and the caller (`Job.transitions`, `Job.availableActions`, `Job.actionsTaken`), or by the
 * provider's rules from the record (`Job.failure`), or from the history's rerun rows
 * (`Job.rerunOf`, `Job.reruns`), or by a kind's own call when asked (`OmicsRun.tasks`).
 */
export const RESOLVED: ReadonlySet<string> = new Set([
  'account',
  'accountAlias',
  'retained',
  'lastConfirmedAt',
  'transitions',
  'availableActions',
  'actionsTaken',
  'liveBy',
  'logTail',
  'failure',
  'rerunOf',
  'reruns',
  'waiting',
  'tasks',
]);

/** The field names of a GraphQL object or interface type a record carries, sorted. */
export function fieldsOf(typeName: string): string[] {
  const fields = TYPES.get(typeName);
  if (!fields) throw new Error(`type ${typeName} is missing from schema/`);
  return fields
    .map((f) => f.name.value)
    .filter((name) => !RESOLVED.has(name))
    .sort();
}

/**
 * A record (and every object inside it) has exactly the fields of its GraphQL type, named as
 * the SDL names them, so the default resolvers serve it; nested objects are checked against
 * their fields' types, list items one by one.
 */
export function expectRecordMatchesType(
  record: object,
  typeName: string,
  path: string = typeName,
): void {
  expect(Object.keys(record).sort(), path).toEqual(fieldsOf(typeName));
  for (const field of TYPES.get(typeName) ?? []) {
    const inner = namedType(field.type);
    if (!TYPES.has(inner)) continue;
    const value = (record as Record<string, unknown>)[field.name.value];
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, i) => {
      if (item !== null && typeof item === 'object')
        expectRecordMatchesType(
          item,
          inner,
          `${path}.${field.name.value}${Array.isArray(value) ? `[${i}]` : ''}`,
        );
    });
  }
}

/**
 * What every provider's record holds to its GraphQL type: every Job interface field, and every
 * field (nested too) named as the type names it, read from the full and the one-element-lists
 * golden fixtures by `record`.
 */
export function describeRecordContract(
  label: string,
  typeName: string,
  record: (fixture: string) => object,
): void {
  describe(`${label} record`, () => {
    it(`has every Job interface field on ${typeName}`, () => {
      for (const field of fieldsOf('Job')) expect(fieldsOf(typeName)).toContain(field);
    });

    it('names every field, nested ones too, exactly as the GraphQL types do, so default resolvers work', () => {
      expectRecordMatchesType(record('success-full'), typeName);
      expectRecordMatchesType(record('one-element-lists'), typeName);
    });
  });
}
