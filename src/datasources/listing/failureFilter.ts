import type { JobRecord } from '../../model/job.ts';
import { failureOf } from '../registry.ts';
import type { MergeStream } from './merge.ts';
import type { Listed } from './summaries.ts';
import type { ListedJob } from './types.ts';

/** Could a listed row be a failed or cancelled job (its summary's state, or none yet)? */
const mayHaveFailed = (item: Listed): boolean =>
  item.job.state === null || item.job.state === 'FAILED' || item.job.state === 'CANCELLED';

/** `own.run` for the items it needs, the others as they are: one result an item, in order. */
async function ownCompleted(
  own: MergeStream<Listed>['complete'],
  items: Listed[],
): Promise<(Listed | null)[]> {
  if (!own) return items;
  const needing = items.filter((item) => own.needs(item));
  if (needing.length === 0) return items;
  const done = await own.run(needing);
  const byItem = new Map(needing.map((item, i) => [item, done[i] ?? null]));
  return items.map((item) => (byItem.has(item) ? (byItem.get(item) ?? null) : item));
}

/**
 * `stream` under `listJobs`' `failureCategories` (null: no such filter): a list summary lacks
 * the fields a provider's failure rules read, so a row that may have failed is looked up (the
 * describe path, counted in the request's job budget) when it is about to be merged, and kept
 * when its record's `Job.failure.category` is one asked; rows of other states are dropped
 * without a call. A page looks up the failed rows it passes over, at most as many as it still
 * needs each time (MergeStream.complete), so a page of a rare category may look up more jobs than
 * it shows. A stream's own completion (Import/Export's state) runs first.
 */
export function failureFiltered(
  stream: MergeStream<Listed>,
  categories: ReadonlySet<string> | null,
  lookUp: (job: ListedJob) => Promise<JobRecord>,
): MergeStream<Listed> {
  if (categories === null) return stream;
  const decided = new WeakSet<Listed>();
  const own = stream.complete;
  const decide = async (item: Listed | null): Promise<Listed | null> => {
    if (item === null || !mayHaveFailed(item)) return null;
    const category = failureOf(item.record ?? (await lookUp(item.job)))?.category;
    if (category === undefined || !categories.has(category)) return null;
    decided.add(item);
    return item;
  };
  return {
    ...stream,
    select: async (items) => (await stream.select(items)).filter(mayHaveFailed),
    complete: {
      needs: (item) => own?.needs(item) === true || !decided.has(item),
      run: async (items) => Promise.all((await ownCompleted(own, items)).map(decide)),
    },
  };
}
