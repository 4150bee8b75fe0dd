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
}

/**
 * The names of a region's list sources in `account` (an AWS alias; undefined: the default), distinct
 * and sorted, read once for every page and caller while `env.remember` keeps them. More than
 * MAX_PAGES_PER_STREAM pages is a PageLimitError.
 */
export function sourceNames<T>(
  env: ListEnv,
  finder: SourceFinder<T>,
  account: string | undefined,
  region: string,
): Promise<string[]> {
  const { label, operation, pageSize } = finder;
  const where = {
    breakerRegion: region,
    subject: `list:${label}${accountLabel(account)}:${region}`,
  };
  return env.remember(`${label}-sources${accountLabel(account)}:${region}`, async () => {
    const names = new Set<string>();
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
        if (name !== undefined) names.add(name);
      }
      token = page.nextToken;
      if (token === null) return [...names].sort();
    }
  });
}
