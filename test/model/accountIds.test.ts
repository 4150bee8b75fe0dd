import { describe, expect, it } from 'vitest';
import { formatGlobalId, parseGlobalId } from '../../src/model/globalId.ts';

describe('Global IDs with an account alias', () => {
  it('reads and writes the alias after the provider prefix', () => {
    const id = 'panorama@prod:us-east-1:pkgimport-1';
    const key = parseGlobalId(id);
    expect(key).toEqual({
      provider: 'AWS_PANORAMA',
      account: 'prod',
      region: 'us-east-1',
      jobId: 'pkgimport-1',
    });
    expect(formatGlobalId(key)).toBe(id);
    expect(parseGlobalId('importexport@dev-2:ABCDE')).toEqual({
      provider: 'AWS_IMPORT_EXPORT',
      account: 'dev-2',
      jobId: 'ABCDE',
    });
  });

  it('keeps today’s IDs in the default account, and writes `@default` as today’s form', () => {
    expect(parseGlobalId('panorama:us-east-1:pkgimport-1')).not.toHaveProperty('account');
    expect(formatGlobalId(parseGlobalId('panorama@default:us-east-1:pkgimport-1'))).toBe(
      'panorama:us-east-1:pkgimport-1',
    );
  });

  it.each([
    ['panorama@:us-east-1:j', /account alias/],
    ['panorama@Prod:us-east-1:j', /account alias/],
    ['panorama@a_b:us-east-1:j', /account alias/],
    ['cos@prod:ap-guangzhou:100000000001:abcde', /by uin, not by alias/],
    ['panorama@prod:us-east-1', /panorama\[@\{account\}\]:\{region\}:\{jobId\}/],
  ])('refuses %s as BAD_USER_INPUT', (id, why) => {
    expect(() => parseGlobalId(id)).toThrow(why);
  });
});
