import type { ComponentChildren } from 'preact';
import { jobPath } from './api.ts';
import { Duration, FailureCause, Finished, JobName, LiveBy, StateBadge, Time } from './cells.tsx';
import { FAILED_STATES, accountText, progress, type RowJob } from './format.ts';
import { PROVIDER_NAMES } from './ids.ts';

/**
 * A job's row as the list and the history view show it, and its table's header: the job's link,
 * state, provider, account, region and times. The list adds a select box, the row's first error,
 * and the Progress and Updated columns (`live`), which the history store does not keep.
 */

/** A row's job: the list's, or the history's, which has no `updatedAt` (nor `liveBy`). */
export type JobRowJob = Omit<RowJob, 'updatedAt'> & { updatedAt?: string | null };

function ProgressCell({ job }: { job: JobRowJob }) {
  const p = progress(job);
  if (!p) return <span class="muted">—</span>;
  return (
    <span class="progress">
      <progress max={p.total} value={p.done} aria-hidden="true" />
      <span>{p.text}</span>
    </span>
  );
}

/** The job's account ("staging · 210987654321", or the default account's ID alone); a dash when unknown. */
function AccountCell({ job }: { job: JobRowJob }) {
  const text = accountText(job);
  if (!text) return <span class="muted">—</span>;
  return <span class="account">{text}</span>;
}

/**
 * Under the state, the status message: in full, in red, for a job that went wrong (its reason);
 * cut to the cell otherwise.
 */
function RowMessage({ job }: { job: JobRowJob }) {
  const failed = FAILED_STATES.includes(job.state);
  const cause = failed && job.failure ? <FailureCause failure={job.failure} /> : null;
  if (!job.statusMessage) return cause;
  if (failed) {
    return (
      <>
        {cause}
        <span class="reason" data-failure-reason>
          {job.statusMessage}
        </span>
      </>
    );
  }
  return (
    <span class="message" title={job.statusMessage}>
      {job.statusMessage}
    </span>
  );
}

/** The header of a table of JobRowView rows; `select` (a `<th>`) and `live` as the rows have them. */
export function JobRowHead({ select, live }: { select?: ComponentChildren; live?: boolean }) {
  return (
    <tr>
      {select}
      <th scope="col">Job</th>
      <th scope="col">State</th>
      <th scope="col">Provider</th>
      <th scope="col">Account</th>
      <th scope="col">Region</th>
      {live ? <th scope="col">Progress</th> : null}
      <th scope="col">Created</th>
      <th scope="col">Finished</th>
      <th scope="col">Duration</th>
      {live ? <th scope="col">Updated</th> : null}
    </tr>
  );
}

/** One job's row: its link, state (how it is followed live, its message), provider, account, region and times. */
export function JobRowView({
  job,
  now,
  select,
  note,
  live,
}: {
  job: JobRowJob;
  now: number;
  /** A cell (a `<td>`) before the job's: the list's select box. */
  select?: ComponentChildren;
  /** Under the job's link: the list's first error of the row. */
  note?: ComponentChildren;
  /** The Progress and Updated columns, the list's. */
  live?: boolean;
}) {
  return (
    <tr data-job-id={job.id} data-state={job.state}>
      {select}
      <th scope="row" data-label="Job">
        <JobName job={job} href={jobPath(job.id)} />
        {note}
      </th>
      <td data-label="State">
        <StateBadge state={job.state} />
        <LiveBy job={job} />
        <RowMessage job={job} />
      </td>
      <td data-label="Provider">{PROVIDER_NAMES[job.provider] ?? job.provider}</td>
      <td data-label="Account">
        <AccountCell job={job} />
      </td>
      <td data-label="Region">{job.region ?? <span class="muted">global</span>}</td>
      {live ? (
        <td data-label="Progress">
          <ProgressCell job={job} />
        </td>
      ) : null}
      <td data-label="Created">
        <Time iso={job.createdAt} now={now} />
      </td>
      <td data-label="Finished">
        <Finished job={job} now={now} />
      </td>
      <td data-label="Duration">
        <Duration job={job} now={now} />
      </td>
      {live ? (
        <td data-label="Updated">
          <Time iso={job.updatedAt ?? null} now={now} />
        </td>
      ) : null}
    </tr>
  );
}
