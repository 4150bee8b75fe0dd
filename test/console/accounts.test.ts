import { beforeAll, describe, expect, it } from 'vitest';
import type * as FiltersModule from '../../console/src/filters.ts';
import { accountAlias, accountText, idPrefix } from '../../console/src/format.ts';

declare global {
  // Put in by esbuild when the console is built (console/src/env.d.ts); set below for this test.
  var JOBGRAPH_ID_GRAMMAR: readonly {
    provider: string;
    label: string;
    listable: boolean;
    prefix: string;
    aliased: boolean;
    parts: readonly { name: string; form: string; pattern: string }[];
  }[];
}

/** console/src/filters.ts reads the ID grammar esbuild puts in at build time; none is needed here. */
let filters: typeof FiltersModule;
beforeAll(async () => {
  Object.assign(globalThis, { JOBGRAPH_ID_GRAMMAR: [] });
  filters = await import('../../console/src/filters.ts');
});

describe("The console's account words", () => {
  it("take the alias from a second account's global ID, and none from the default account's", () => {
    expect(accountAlias('panorama@staging:us-east-1:pkg-1')).toBe('staging');
    expect(accountAlias('importexport@staging:ABC12')).toBe('staging');
    expect(accountAlias('panorama:us-east-1:pkg-1')).toBeNull();
    expect(accountAlias('cos:ap-guangzhou:100000000002:job-1')).toBeNull();
    expect(idPrefix('panorama@staging:us-east-1:pkg-1')).toBe('panorama');
    expect(idPrefix('omics:us-east-1:1234567890:5678901234')).toBe('omics');
  });

  it('write the alias beside the account ID, the default account its ID alone, nothing when neither is known', () => {
    expect(accountText({ id: 'panorama@staging:us-east-1:pkg-1', account: '210987654321' })).toBe(
      'staging · 210987654321',
    );
    expect(accountText({ id: 'panorama:us-east-1:pkg-1', account: '123456789012' })).toBe(
      '123456789012',
    );
    expect(accountText({ id: 'cos:ap-guangzhou:100000000002:j', account: '1250000002' })).toBe(
      '1250000002',
    );
    expect(accountText({ id: 'importexport@staging:ABC12', account: null })).toBe('staging');
    expect(accountText({ id: 'importexport:ABC12', account: null })).toBeNull();
  });

  it('write the alias the server gives (Job.accountAlias) before the account ID, COS Batch and the default account included', () => {
    expect(
      accountText({
        id: 'cos:ap-guangzhou:100000000002:j',
        account: '1250000002',
        accountAlias: 'staging',
      }),
    ).toBe('staging · 1250000002');
    expect(
      accountText({
        id: 'panorama:us-east-1:pkg-1',
        account: '123456789012',
        accountAlias: 'default',
      }),
    ).toBe('default · 123456789012');
    expect(accountText({ id: 'importexport:ABC12', account: null, accountAlias: 'default' })).toBe(
      'default',
    );
  });
});

describe("The console's account filter", () => {
  it('is kept in the URL as `account`, comma-separated, and sent as filter.accounts', () => {
    const f = { ...filters.NO_FILTERS, accounts: ['default', 'staging'], states: ['FAILED'] };
    const search = filters.searchFromFilters(f);
    expect(search).toBe('?state=FAILED&account=default,staging');
    expect(filters.filtersFromSearch(search)).toEqual(f);
    expect(filters.listFilter(f)).toEqual({ states: ['FAILED'], accounts: ['default', 'staging'] });
    expect(filters.listFilter(filters.NO_FILTERS)).toEqual({});
  });

  it('names the account filter when the server refuses it, with the list without that account', () => {
    const f = { ...filters.NO_FILTERS, accounts: ['nope', 'staging'] };
    const problem = filters.filterProblemOf(
      {
        message: 'Argument "filter.accounts" has "nope", which is not a configured account.',
        extensions: { code: 'BAD_USER_INPUT', argument: 'filter.accounts' },
      },
      f,
    );
    expect(problem?.filter).toBe('account');
    expect(problem?.value).toBe('nope');
    expect(problem?.sentence).toMatch(/^The account filter “nope” is refused: /);
    expect(problem?.without.accounts).toEqual(['staging']);
  });
});
