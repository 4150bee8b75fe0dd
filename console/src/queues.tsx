import { jobPath } from './api.ts';
import { Time } from './cells.tsx';
import { spanWords, stateLabel } from './format.ts';
import { useNow } from './hooks.ts';
import {
  FRONT_SHOWN,
  WAIT_HOURS,
  useQueues,
  type EnvironmentShown,
  type FrontJob,
  type FrontShown,
  type QueueShown,
  type QueuedShown,
} from './queueData.ts';
import './queues.css';

/**
 * The Queues page, `/console/queues` (docs/queues.md): one row per AWS Batch job queue the token
 * reads — its name, account, region, state and status, its compute environments' health (an
 * INVALID or DISABLED one in red with its reason), its jobs by state in the history, how long its
 * jobs waited, and the first jobs of its front, each linked to its page. Every text is the API's,
 * rendered as text.
 */

/** A queue or environment that starts nothing: DISABLED, or not VALID. */
const unhealthy = (state: string | null, status: string | null) =>
  state === 'DISABLED' || status === 'INVALID';

/** `ENABLED · VALID` as a badge, red when the queue starts nothing, with the reason then. */
function QueueState({ queue }: { queue: QueueShown }) {
  const bad = unhealthy(queue.state, queue.status);
  return (
    <>
      <span
        class={`badge queue-health ${bad ? 'bad' : 'ok'}`}
        data-queue-state={queue.state ?? ''}
        data-queue-status={queue.status ?? ''}
      >
        {[queue.state, queue.status].filter(Boolean).join(' · ') || 'unknown'}
      </span>
      {bad && queue.statusReason ? <span class="reason">{queue.statusReason}</span> : null}
    </>
  );
}

/** `8 of 256 vCPUs (min 0)`: what an environment wants now against its bounds. */
function vcpus(env: EnvironmentShown): string {
  if (env.maxvCpus === null) return '';
  const wanted = env.desiredvCpus === null ? '' : `${env.desiredvCpus} of `;
  const least = env.minvCpus ? ` (min ${env.minvCpus})` : '';
  return `${wanted}${env.maxvCpus} vCPUs${least}`;
}

function Environments({ environments }: { environments: EnvironmentShown[] }) {
  if (!environments.length) return <span class="muted">none</span>;
  return (
    <ul class="environments">
      {environments.map((env) => {
        const bad = unhealthy(env.state, env.status);
        return (
          <li
            key={env.name}
            class={bad ? 'env-bad' : 'env-ok'}
            data-environment={env.name}
            data-environment-status={env.status ?? ''}
            data-environment-state={env.state ?? ''}
          >
            <strong>{env.name}</strong> {env.type} ·{' '}
            <span class="env-health">{[env.state, env.status].filter(Boolean).join(' ')}</span>
            {vcpus(env) ? <span class="muted"> · {vcpus(env)}</span> : null}
            {env.instanceTypes.length ? (
              <span class="muted"> · {env.instanceTypes.join(', ')}</span>
            ) : null}
            {bad && env.statusReason ? (
              <span class="reason" data-environment-reason>
                {env.statusReason}
              </span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

function Counts({ counts }: { counts: QueueShown['counts'] }) {
  if (!counts.length) return <span class="muted">none in the history</span>;
  return (
    <span data-queue-counts>
      {counts.map((c, i) => (
        <span key={c.state} data-count-state={c.state}>
          {i > 0 ? ' · ' : ''}
          {`${c.jobs.toLocaleString('en')} ${stateLabel(c.state).toLowerCase()}`}
        </span>
      ))}
    </span>
  );
}

function Waits({ waits }: { waits: QueueShown['waitSeconds'] }) {
  const words = (s: number | null) => (s === null ? '—' : spanWords(s * 1000));
  if (waits.samples === 0) return <span class="muted">no wait in {WAIT_HOURS} h</span>;
  return (
    <span data-queue-waits={`${waits.p50 ?? ''}/${waits.p90 ?? ''}`}>
      p50 {words(waits.p50)} · p90 {words(waits.p90)}{' '}
      <span class="muted">
        ({waits.samples.toLocaleString('en')} {waits.samples === 1 ? 'wait' : 'waits'})
      </span>
    </span>
  );
}

/** A front job linked to its page by its name, its ARN while it is read or when it cannot be. */
function FrontJobLink({ queued, job }: { queued: QueuedShown; job: FrontJob | undefined }) {
  if (!job) return <code>{queued.jobArn}</code>;
  return (
    <a href={jobPath(job.id)} title={job.id}>
      {job.name ?? job.id}
    </a>
  );
}

function Front({
  front,
  jobs,
  now,
}: {
  front: FrontShown | undefined;
  jobs: ReadonlyMap<string, FrontJob>;
  now: number;
}) {
  if (!front) return <span class="muted">Reading the front…</span>;
  if ('error' in front)
    return (
      <span class="row-error" data-front-error>
        front unavailable ({front.error})
      </span>
    );
  if (!front.jobs.length) return <span class="muted">no job waits at the front</span>;
  const more = front.jobs.length - FRONT_SHOWN;
  return (
    <>
      <ol class="front" data-front={front.jobs.length}>
        {front.jobs.slice(0, FRONT_SHOWN).map((q) => (
          <li
            key={q.jobArn}
            value={q.position}
            data-front-job={q.jobArn}
            data-front-read={jobs.has(q.jobArn) ? '' : undefined}
          >
            <FrontJobLink queued={q} job={jobs.get(q.jobArn)} />
            {q.earliestTimeAtPosition ? (
              <span class="muted">
                {' '}
                · there since <Time iso={q.earliestTimeAtPosition} now={now} />
              </span>
            ) : null}
          </li>
        ))}
      </ol>
      {more > 0 ? <span class="muted">and {more} more</span> : null}
    </>
  );
}

function QueueRow({
  queue,
  front,
  jobs,
  now,
}: {
  queue: QueueShown;
  front: FrontShown | undefined;
  jobs: ReadonlyMap<string, FrontJob>;
  now: number;
}) {
  return (
    <tr data-queue-id={queue.id} data-queue-name={queue.name}>
      <th scope="row">
        {queue.name}
        {queue.priority !== null ? <span class="message">priority {queue.priority}</span> : null}
      </th>
      <td data-label="Account">{queue.accountAlias}</td>
      <td data-label="Region">{queue.region}</td>
      <td data-label="State">
        <QueueState queue={queue} />
      </td>
      <td data-label="Environments">
        <Environments environments={queue.computeEnvironments} />
      </td>
      <td data-label="Jobs">
        <Counts counts={queue.counts} />
      </td>
      <td data-label={`Wait (${WAIT_HOURS} h)`}>
        <Waits waits={queue.waitSeconds} />
      </td>
      <td data-label="Front">
        <Front front={front} jobs={jobs} now={now} />
      </td>
    </tr>
  );
}

export function QueuesPage({
  token,
  onRefused,
}: {
  token: string;
  onRefused: (m: string) => void;
}) {
  const { queues, errors, fronts } = useQueues(token, onRefused);
  const now = useNow();
  return (
    <>
      <h1>Job queues</h1>
      <p class="muted">
        The AWS Batch job queues of the accounts this token reads: each queue's compute
        environments, its jobs by state in jobgraph's history, how long they waited over the last{' '}
        {WAIT_HOURS} hours, and the first {FRONT_SHOWN} jobs at its front. A waiting job's page says
        why it waits.
      </p>
      {errors.map((e) => (
        <p key={e} class="banner error" role="alert">
          {e}
        </p>
      ))}
      {queues ? (
        <div class="table-wrap">
          <table class="jobs queues" data-queues={queues.length}>
            <caption>
              {queues.length} {queues.length === 1 ? 'queue' : 'queues'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Account</th>
                <th scope="col">Region</th>
                <th scope="col">State</th>
                <th scope="col">Compute environments</th>
                <th scope="col">Jobs</th>
                <th scope="col">Wait ({WAIT_HOURS} h)</th>
                <th scope="col">Front</th>
              </tr>
            </thead>
            <tbody>
              {queues.map((q) => (
                <QueueRow
                  key={q.id}
                  queue={q}
                  front={fronts.byQueue.get(q.id)}
                  jobs={fronts.jobs}
                  now={now}
                />
              ))}
            </tbody>
          </table>
          {queues.length === 0 ? (
            <p class="muted">This token reads no account with job queues.</p>
          ) : null}
        </div>
      ) : !errors.length ? (
        <p class="muted" role="status">
          Reading the queues…
        </p>
      ) : null}
    </>
  );
}
