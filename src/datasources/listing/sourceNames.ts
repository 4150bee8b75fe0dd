import { accountLabel } from '../shared/accounts.ts';
import type { ListPage } from '../shared/paging.ts';
import type { ListEnv } from '../shared/provider.ts';
import type { Operation } from '../shared/source.ts';
import { MAX_PAGES_PER_STREAM, PageLimitError } from './merge.ts';

/**
 * How a provider finds a region's list sources with a list of their own (AWS Batch's job queues,
 * HealthOmics' reference stores): that list's operation, read whole at `pageSize` a page, and the
 * name each item gives its source (undefined: not a source).
 */
export interface SourceFinder<T> {
  /** The provider as a call's subject and the remembered key name it (`batch`). */
  readonly label: string;
  readonly operation: Operation<
    { region: string; maxResults: number; nextToken: string | null },
    ListPage<T>
  >;
  readonly pageSize: number;
  nameOf(item: T): string | undefined;
  /**
   * The sort of source an item names, where one list names sources of more than one sort (AWS
   * Batch's DescribeJobQueues: container queues and service-job queues); absent: one sort, `''`.
   */
  sortOf?(item: T): string;
}

/**
 * The names of a region's list sources of one `sort` (SourceFinder `sortOf`) in `account` (an AWS
 * alias; undefined: the default), distinct and sorted, read once for every page, caller and sort
 * while `env.remember` keeps them. More than MAX_PAGES_PER_STREAM pages is a PageLimitError.
 */
export async function sourceNames<T>(
  env: ListEnv,
  finder: SourceFinder<T>,
  account: string | undefined,
  region: string,
  sort = '',
): Promise<string[]> {
  return (await sourceNamesBySort(env, finder, account, region))[sort] ?? [];
}

/**
 * Every sort's names of a region's sources (sourceNames), remembered as one: a provider that
 * lists sources of more than one sort reads them all from one answer (one DescribeJobQueues
 * pass, whatever `env.remember` keeps).
 */
export function sourceNamesBySort<T>(
  env: ListEnv,
  finder: SourceFinder<T>,
  account: string | undefined,
  region: string,
): Promise<Record<string, string[]>> {
  const { label, operation, pageSize } = finder;
  const where = {
    breakerRegion: region,
    subject: `list:${label}${accountLabel(account)}:${region}`,
  };
  return env.remember(`${label}-sources${accountLabel(account)}:${region}`, async () => {
    const names = new Map<string, Set<string>>();
    let token: string | null = null;
    for (let pages = 0; ; pages++) {
      if (pages >= MAX_PAGES_PER_STREAM) throw new PageLimitError(MAX_PAGES_PER_STREAM);
      const page: ListPage<T> = await env.call(
        operation,
        { region, maxResults: pageSize, nextToken: token },
        { ...where, account },
      );
      for (const item of page.items) {
        const name = finder.nameOf(item);
        if (name === undefined) continue;
        const sort = finder.sortOf?.(item) ?? '';
        names.set(sort, (names.get(sort) ?? new Set<string>()).add(name));
      }
      token = page.nextToken;
      if (token === null)
        return Object.fromEntries([...names].map(([sort, set]) => [sort, [...set].sort()]));
    }
  });
}
