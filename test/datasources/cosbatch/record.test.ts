import { readFileSync } from 'node:fs';
import {
  Kind,
  parse,
  print,
  type ObjectTypeDefinitionNode,
  type InterfaceTypeDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import type { CosBatchKey } from '../../../src/model/globalId.ts';
import { parse as parseDescribeJobBody } from '../../../src/datasources/cosbatch/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { expectRecordMatchesType, RESOLVED } from '../../support/recordSchema.ts';

const loadFixture = fixtureLoader('cosbatch');

const sdl = (name: string) =>
  parse(readFileSync(new URL(`../../../schema/${name}`, import.meta.url), 'utf8'));
const types = new Map<string, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode>();
for (const doc of [sdl('job.graphql'), sdl('cosbatch.graphql')]) {
  for (const def of doc.definitions) {
    if (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.INTERFACE_TYPE_DEFINITION)
      types.set(def.name.value, def);
  }
}
const fieldsOf = (type: string) => (types.get(type)?.fields ?? []).map((f) => f.name.value).sort();

const key: CosBatchKey = {
  provider: 'TENCENT_COS_BATCH',
  region: 'ap-guangzhou',
  uin: '100000000001',
  jobId: '53dc6228-c50b-46f7-8ad7-65e7159f1aae',
};
const full = parseDescribeJobBody(key, loadFixture('success-full.json').body);
const tagging = parseDescribeJobBody(key, loadFixture('tagging-operation.json').body);
const restore = parseDescribeJobBody(key, loadFixture('unknown-fields.json').body);
const failed = parseDescribeJobBody(key, loadFixture('failed-job.json').body);

describe('CosBatch record', () => {
  it('has every Job interface field on CosBatchJob', () => {
    for (const field of fieldsOf('Job')) expect(fieldsOf('CosBatchJob')).toContain(field);
  });

  it('names record fields exactly as the GraphQL types do, so default resolvers work', () => {
    const keys = (o: object | null | undefined) => Object.keys(o ?? {}).sort();
    // The fields a resolver computes (RESOLVED) are not carried by the record.
    expect(fieldsOf('CosBatchJob').filter((f) => !RESOLVED.has(f))).toEqual(keys(full));
    expect(fieldsOf('CosBatchJobFailure')).toEqual(keys(failed.failureReasons[0]));
    expect(fieldsOf('CosBatchManifest')).toEqual(keys(full.manifest));
    expect(fieldsOf('CosBatchManifestLocation')).toEqual(keys(full.manifest?.location));
    expect(fieldsOf('CosBatchManifestSpec')).toEqual(keys(full.manifest?.spec));
    expect(fieldsOf('CosBatchOperation')).toEqual(keys(full.operation));
    expect(fieldsOf('CosBatchPutObjectCopy')).toEqual(keys(full.operation?.putObjectCopy));
    expect(fieldsOf('CosBatchGrant')).toEqual(
      keys(full.operation?.putObjectCopy?.accessControlGrants[0]),
    );
    expect(fieldsOf('CosBatchGrantee')).toEqual(
      keys(full.operation?.putObjectCopy?.accessControlGrants[0]?.grantee),
    );
    expect(fieldsOf('CosBatchNewObjectMetadata')).toEqual(
      keys(full.operation?.putObjectCopy?.newObjectMetadata),
    );
    expect(fieldsOf('CosBatchInitiateRestoreObject')).toEqual(
      keys(restore.operation?.initiateRestoreObject),
    );
    expect(fieldsOf('CosBatchPutObjectTagging')).toEqual(keys(tagging.operation?.putObjectTagging));
    expect(fieldsOf('CosBatchProgressSummary')).toEqual(keys(full.progressSummary));
    expect(fieldsOf('CosBatchReport')).toEqual(keys(full.report));
  });

  it('names every field, nested ones too, exactly as the GraphQL types do (the generic walk)', () => {
    for (const record of [full, tagging, restore, failed])
      expectRecordMatchesType(record, 'CosBatchJob');
  });

  it('declares CosBatchJob as a Job with the id key, the native key and the jobs:read scope', () => {
    const type = types.get('CosBatchJob') as ObjectTypeDefinitionNode;
    expect(type.interfaces?.map((i) => i.name.value)).toEqual(['Job']);
    expect(type.directives?.map((d) => d.name.value)).toEqual(['key', 'key', 'requiresScopes']);
    expect(type.directives?.map((d) => print(d)).join(' ')).toBe(
      '@key(fields: "id") @key(fields: "region uin nativeId") @requiresScopes(scopes: [["jobs:read"]])',
    );
  });
});
