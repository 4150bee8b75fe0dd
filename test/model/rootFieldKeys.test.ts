import { getNamedType, isNonNullType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/datasources/registry.ts';
import type { RootFieldConfig } from '../../src/datasources/shared/provider.ts';
import { formatGlobalId } from '../../src/model/globalId.ts';
import { ROOT_FIELD_KEYS } from '../../src/model/jobKeys.ts';
import { buildSchema } from '../../src/schema.ts';

const query = buildSchema().schema.getQueryType();
const CONFIG: RootFieldConfig = {
  awsRegion: 'eu-west-1',
  tencent: { region: 'ap-shanghai', uin: '100000000009' } as RootFieldConfig['tencent'],
};
const NO_UIN: RootFieldConfig = { ...CONFIG, tencent: { ...CONFIG.tencent, uin: null } };

describe("Each provider's own root field", () => {
  it.each(PROVIDERS.map((p) => [p.rootField.name, p] as const))(
    '%s is in the schema, answers its job type, and has an argument for each key part the configuration does not give',
    (name, p) => {
      const field = query?.getFields()[name];
      expect(field, name).toBeDefined();
      expect(getNamedType(field!.type).name).toBe(p.key.typeName);
      const defaults = p.rootField.defaults ?? {};
      const args = new Map(field!.args.map((a) => [a.name, a]));
      for (const [part] of p.key.parts) {
        const arg = args.get(part);
        if (!arg) {
          // Not an argument: the configuration gives it (COS Batch's account UIN).
          expect(defaults[part], `${name}: ${part}`).toBeDefined();
          continue;
        }
        // Each part is text (a string or an ID), as the grammar checks it.
        expect(['String', 'ID']).toContain(getNamedType(arg.type).name);
        // A part with a default may be left out; one without must be given.
        expect(isNonNullType(arg.type), `${name}(${part})`).toBe(defaults[part] === undefined);
      }
      // No argument but the key's parts (the account is named only in a global ID).
      expect([...args.keys()].every((a) => p.key.parts.some(([part]) => part === a))).toBe(true);
      expect(ROOT_FIELD_KEYS.has(name)).toBe(true);
    },
  );

  it('makes the key from the arguments, a region left out or null from the configuration', () => {
    const panorama = ROOT_FIELD_KEYS.get('panoramaPackageImportJob')!;
    expect(formatGlobalId(panorama({ jobId: 'pkg-1' }, CONFIG))).toBe('panorama:eu-west-1:pkg-1');
    expect(formatGlobalId(panorama({ jobId: 'pkg-1', region: null }, CONFIG))).toBe(
      'panorama:eu-west-1:pkg-1',
    );
    expect(formatGlobalId(panorama({ jobId: 'pkg-1', region: 'us-west-2' }, CONFIG))).toBe(
      'panorama:us-west-2:pkg-1',
    );
    const cos = ROOT_FIELD_KEYS.get('cosBatchJob')!;
    expect(formatGlobalId(cos({ jobId: 'job-12345' }, CONFIG))).toBe(
      'cos:ap-shanghai:100000000009:job-12345',
    );
  });

  it('names the argument of a malformed part, before saying what the configuration lacks', () => {
    const cos = ROOT_FIELD_KEYS.get('cosBatchJob')!;
    expect(() => cos({ jobId: 'bad id' }, NO_UIN)).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        message: expect.stringContaining('"jobId"'),
      }),
    );
    expect(() => cos({ jobId: 'job-12345' }, NO_UIN)).toThrow(
      expect.objectContaining({
        code: 'PROVIDER_NOT_CONFIGURED',
        message:
          'cosBatchJob needs the COS account UIN (COS_UIN); or ask job(id: "cos:{region}:{uin}:{jobId}").',
        extensions: { code: 'PROVIDER_NOT_CONFIGURED', provider: 'TENCENT_COS_BATCH' },
      }),
    );
    const omics = ROOT_FIELD_KEYS.get('omicsReferenceImportJob')!;
    expect(() => omics({ referenceStoreId: '123', id: '1234567890' }, CONFIG)).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        message: expect.stringContaining('"referenceStoreId"'),
      }),
    );
  });
});
