import { describe, expect, it } from 'vitest';
import {
  RegionalBreakers,
  breakerRegion,
  countsAgainstProvider,
} from '../../../src/datasources/guard/breakers.ts';
import { InternalError, UpstreamError } from '../../../src/errors.ts';

const upstream = (
  code: 'UPSTREAM_UNAVAILABLE' | 'NOT_FOUND' | 'UPSTREAM_THROTTLED',
  cause?: unknown,
) => new UpstreamError({ provider: 'AWS_OMICS', code, message: 'x', cause });

describe('Breakers', () => {
  it('keys a job by its region, or global for a service without regions', () => {
    expect(
      breakerRegion({ provider: 'AWS_OMICS', region: 'eu-west-2', referenceStoreId: '1', id: '2' }),
    ).toBe('eu-west-2');
    expect(breakerRegion({ provider: 'AWS_IMPORT_EXPORT', jobId: 'ABCDE' })).toBe('global');
  });

  it('counts only the provider being unavailable, not local faults, not-found, throttling or bugs', () => {
    expect(
      countsAgainstProvider(
        upstream('UPSTREAM_UNAVAILABLE', Object.assign(new Error('reset'), { code: 'ECONNRESET' })),
      ),
    ).toBe(true);
    expect(
      countsAgainstProvider(
        upstream('UPSTREAM_UNAVAILABLE', Object.assign(new Error('dns'), { code: 'ENOTFOUND' })),
      ),
    ).toBe(false);
    expect(countsAgainstProvider(upstream('UPSTREAM_UNAVAILABLE', new TypeError('bug')))).toBe(
      false,
    );
    expect(countsAgainstProvider(upstream('NOT_FOUND'))).toBe(false);
    expect(countsAgainstProvider(upstream('UPSTREAM_THROTTLED'))).toBe(false);
    expect(countsAgainstProvider(new InternalError('AWS_OMICS', new TypeError('bug')))).toBe(false);
  });

  it('makes one breaker per region on first use and lists the open ones', async () => {
    const breakers = new RegionalBreakers({ breakerFailures: 1, breakerHalfOpenMs: 60_000 });
    expect(breakers.forRegion('us-east-1')).toBe(breakers.forRegion('us-east-1'));
    await expect(
      breakers.forRegion('us-east-1').execute(async () => {
        throw upstream('UPSTREAM_UNAVAILABLE');
      }),
    ).rejects.toBeInstanceOf(UpstreamError);
    await breakers.forRegion('eu-west-1').execute(async () => 'ok');
    expect(breakers.openRegions()).toEqual(['us-east-1']);
  });
});
