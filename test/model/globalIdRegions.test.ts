import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../src/errors.ts';
import {
  checkArgument,
  isAwsRegion,
  parseGlobalId,
  rememberedAwsRegions,
} from '../../src/model/globalId.ts';

// isAwsRegion remembers the regions it has found served (so the SDK's partition table is read once
// per region, not on every request); these tests pin that the memory stays bounded and changes no answer.

describe('AWS region checks', () => {
  it('remember only served regions: made-up ones, however many, are refused each time and never kept', () => {
    expect(isAwsRegion('us-east-1')).toBe(true);
    const before = rememberedAwsRegions();
    for (let i = 0; i < 5000; i++) {
      const madeUp = `zz-nowhere${String.fromCharCode(97 + (i % 26))}${'x'.repeat(i % 40)}-${i % 10}`;
      expect(isAwsRegion(madeUp)).toBe(false);
      expect(() => checkArgument('region', madeUp, 'awsRegion')).toThrow(BadUserInputError);
    }
    expect(rememberedAwsRegions()).toBe(before);
  });

  it('answer the same the second time as the first, for served regions, pseudo-regions and the other partitions', () => {
    const cases: [string, boolean][] = [
      ['eu-west-1', true],
      ['cn-north-1', true],
      ['us-gov-west-1', true],
      ['aws-global', false],
      ['us-east-1-global', false],
      ['us-east-99', false],
    ];
    for (let round = 0; round < 2; round++)
      for (const [region, served] of cases)
        expect([region, isAwsRegion(region)]).toEqual([region, served]);
    expect(() => parseGlobalId('panorama:us-east-99:job-1')).toThrow(/is not a region AWS serves/);
    expect(parseGlobalId('panorama:eu-west-1:job-1')).toEqual({
      provider: 'AWS_PANORAMA',
      region: 'eu-west-1',
      jobId: 'job-1',
    });
  });
});
