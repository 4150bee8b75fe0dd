// The list page: the URL's filters, the table of jobs they list, kept live.
import { useEffect, useState } from 'preact/hooks';
import { TokenRefusedError, consolePath } from './api.ts';
import { PAGE_SIZE, searchFromFilters, type Filters } from './filters.ts';
import { FindJob } from './find.tsx';
import type { RowJob } from './format.ts';
import type { ListState } from './listQueries.ts';
import { useNow, usePageVisible } from './hooks.ts';
import { FilterForm, accountChoices } from './listFilters.tsx';
import { lookUpJobs, useJobListing, useLiveRows, wantedFromUrl } from './listing.ts';
import { JobTable, ListBanners } from './listTable.tsx';
import { useCanAct, useCanNotify } from './access.tsx';
import { notifyAboutPath } from './notificationData.ts';
import { BulkActions } from './bulkActions.tsx';
import { BulkRerun } from './bulkRerun.tsx';

/**
 * The list's filters and rows shown, as the URL has them: Back and Forward move between filter
 * sets (the URL is the filters' one home); `apply` pushes a new set.
 */
function useUrlFilters() {
  const [wanted, setWanted] = useState(wantedFromUrl);
  useEffect(() => {
    const onPop = () => setWanted(wantedFromUrl());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const apply = (next: Filters) => {
    const search = searchFromFilters(next);
    if (search !== location.search) history.pushState(null, '', `${consolePath}${search}`);
    setWanted({ filters: next, shown: PAGE_SIZE });
  };
  return { wanted, apply };
}

/**
 * The rows chosen for a bulk action: cleared when the list changes (nothing chosen on one list acts
 * on another); `acted` puts the jobs as the action read them after in their rows (the live stream
 * goes on from there) and unselects those that finished.
 */
function useSelection(
  wantedSearch: string,
  list: ListState | null,
  setList: (update: (current: ListState | null) => ListState | null) => void,
) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  // Another list is another selection: nothing chosen on one list acts on another.
  useEffect(() => setSelected(new Set()), [wantedSearch]);
  const toggle = (ids: readonly string[], on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      for (const id of ids)
        if (on) next.add(id);
        else next.delete(id);
      return next;
    });
  const selectedIds = (list?.rows ?? []).map((r) => r.job.id).filter((id) => selected.has(id));
  const acted = (jobs: RowJob[]) => {
    const byId = new Map(jobs.map((j) => [j.id, j]));
    setList((current) =>
      current
        ? {
            ...current,
            rows: current.rows.map((r) => {
              const job = byId.get(r.job.id);
              return job
                ? { job: { ...job, account: job.account ?? r.job.account }, errors: [] }
                : r;
            }),
          }
        : current,
    );
    toggle(
      jobs.filter((j) => j.terminal).map((j) => j.id),
      false,
    );
  };
  return { selected, setSelected, toggle, selectedIds, acted };
}

/** The link to a new notification rule about the jobs the list's filters show. */
function NotifyAbout({ filters }: { filters: Filters }) {
  return (
    <a class="notify-about" data-notify-about href={notifyAboutPath(filters)}>
      Notify me about these
    </a>
  );
}

export function JobList({ token, onRefused }: { token: string; onRefused: (m: string) => void }) {
  const { wanted, apply } = useUrlFilters();
  const { filters } = wanted;
  const { list, setList, problems, error, loadingMore, more, wantedSearch } = useJobListing(
    token,
    wanted,
    onRefused,
  );
  const now = useNow();
  const visible = usePageVisible();
  const watched = useLiveRows(token, list, setList, visible, onRefused);
  const canAct = useCanAct(token);
  const canNotify = useCanNotify(token);
  const { selected, setSelected, toggle, selectedIds, acted } = useSelection(
    wantedSearch,
    list,
    setList,
  );

  return (
    <>
      <FindJob
        jobs={list?.rows.map((r) => r.job) ?? []}
        sources={list?.sources ?? []}
        lookUp={(ids) =>
          lookUpJobs(token, ids).catch((err: unknown) => {
            if (err instanceof TokenRefusedError) onRefused(err.message);
            throw err;
          })
        }
      />
      <FilterForm
        key={wantedSearch}
        filters={filters}
        accounts={accountChoices(list?.sources ?? [], filters.accounts)}
        offerUnknown={list?.rows.some((r) => r.job.state === 'UNKNOWN') ?? false}
        onApply={apply}
      />
      {canNotify ? <NotifyAbout filters={filters} /> : null}
      <ListBanners
        problems={problems}
        sources={list?.sources ?? []}
        error={error}
        loading={!list && !error && !problems.length}
        apply={apply}
      />
      {canAct ? (
        <BulkActions
          selected={selectedIds}
          token={token}
          onRefused={onRefused}
          onActed={acted}
          onClear={() => setSelected(new Set())}
        />
      ) : null}
      {canAct ? (
        <BulkRerun
          failed={(list?.rows ?? []).filter((r) => r.job.state === 'FAILED').map((r) => r.job.id)}
          token={token}
          onRefused={onRefused}
        />
      ) : null}
      {list ? (
        <JobTable
          list={list}
          filters={filters}
          watching={visible ? watched.length : 0}
          now={now}
          apply={apply}
          more={more}
          loadingMore={loadingMore}
          selection={canAct ? { selected, toggle } : undefined}
        />
      ) : null}
    </>
  );
}
