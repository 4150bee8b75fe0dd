import { useEffect, useState } from 'preact/hooks';
import { TokenRefusedError, graphql, type GqlError } from './api.ts';
import { Time } from './cells.tsx';
import { codeWords, stateLabel } from './format.ts';

/**
 * A HealthOmics run's tasks on its page (`OmicsRun.tasks`, ListRunTasks): each task by its name
 * first, then its status, when it was created, started and stopped, and what it ran on; a failed
 * task's status message under its name (GetRunTask, asked of the failed tasks only). Every text
 * is the API's, rendered as text.
 */

interface Task {
  taskId: string | null;
  name: string | null;
  status: string | null;
  providerStatus: string | null;
  cpus: number | null;
  memory: number | null;
  gpus: number | null;
  instanceType: string | null;
  creationTime: string | null;
  startTime: string | null;
  stopTime: string | null;
}

interface Tasks {
  items: Task[];
  hasNextPage: boolean;
}

/** The first 100 tasks, and the failed ones' messages (one GetRunTask each, those only). */
const TASKS_QUERY = `query OmicsRunTasks($id: ID!) { job(id: $id) { ... on OmicsRun {
  tasks(first: 100) { items { taskId name status providerStatus cpus memory gpus instanceType creationTime startTime stopTime } hasNextPage }
  failedTasks: tasks(first: 100, status: FAILED) { items { taskId statusMessage } } } } }`;

/** A task's status as a job state's badge colour (the task's own word is shown). */
const BADGE: Readonly<Record<string, string>> = {
  PENDING: 'QUEUED',
  STARTING: 'QUEUED',
  RUNNING: 'IN_PROGRESS',
  STOPPING: 'CANCELLING',
  COMPLETED: 'SUCCEEDED',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
};

type Answer = {
  job: {
    tasks?: Tasks | null;
    failedTasks?: { items: { taskId: string | null; statusMessage: string | null }[] } | null;
  } | null;
};

/** The run's tasks and the failed ones' messages by task ID, read once; or why they could not be. */
function useTasks(id: string, token: string, onRefused: (m: string) => void) {
  const [tasks, setTasks] = useState<Tasks | null>(null);
  const [messages, setMessages] = useState<ReadonlyMap<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    graphql<Answer>(TASKS_QUERY, { id }, token, abort.signal).then(
      (result) => {
        const job = result.data?.job ?? null;
        setTasks(job?.tasks ?? null);
        const failed = job?.failedTasks?.items ?? [];
        setMessages(
          new Map(
            failed.flatMap((t) =>
              t.taskId !== null && t.statusMessage !== null ? [[t.taskId, t.statusMessage]] : [],
            ),
          ),
        );
        const refused = (result.errors ?? []).find((e: GqlError) => e.path?.[1] === 'tasks');
        setError(refused ? `${codeWords(refused.extensions?.code)}: ${refused.message}` : null);
      },
      (err: unknown) => {
        if (err instanceof TokenRefusedError) return onRefused(err.message);
        if (!abort.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => abort.abort();
  }, [id, token]);
  return { tasks, messages, error };
}

/** One task's row: its name first (its failure's message under it), then status, times, compute. */
function TaskRow({ task, message, now }: { task: Task; message: string | null; now: number }) {
  const status = task.status ?? task.providerStatus;
  return (
    <tr data-task={task.taskId ?? ''} data-task-status={status ?? ''}>
      <th scope="row" data-task-name>
        {task.name ?? task.taskId ?? '—'}
        {message ? <span class="reason">{message}</span> : null}
      </th>
      <td>
        {status ? (
          <span class={`badge state-${BADGE[status] ?? 'UNKNOWN'}`}>{stateLabel(status)}</span>
        ) : (
          '—'
        )}
      </td>
      <td>
        <Time iso={task.creationTime} now={now} />
      </td>
      <td>
        <Time iso={task.startTime} now={now} missing="Not started" />
      </td>
      <td>
        <Time iso={task.stopTime} now={now} missing="Not stopped" />
      </td>
      <td>
        {task.instanceType ?? '—'}
        {task.cpus !== null ? ` · ${task.cpus} vCPU` : ''}
        {task.memory !== null ? ` · ${task.memory} GiB` : ''}
        {task.gpus ? ` · ${task.gpus} GPU` : ''}
      </td>
      <td class="muted">{task.taskId ?? '—'}</td>
    </tr>
  );
}

/** "Tasks" on a HealthOmics run's page. */
export function OmicsRunTasks({
  id,
  token,
  now,
  onRefused,
}: {
  id: string;
  token: string;
  now: number;
  onRefused: (m: string) => void;
}) {
  const { tasks, messages, error } = useTasks(id, token, onRefused);
  return (
    <section
      class="omics-tasks"
      data-omics-tasks={tasks ? tasks.items.length : 'loading'}
      aria-labelledby="omics-tasks-title"
    >
      <h2 id="omics-tasks-title">Tasks</h2>
      {error ? <p class="banner error">{error}</p> : null}
      {!tasks ? (
        error ? null : (
          <p class="muted">Reading the tasks…</p>
        )
      ) : tasks.items.length === 0 ? (
        <p class="muted">No tasks yet.</p>
      ) : (
        <table class="jobs omics-tasks">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Started</th>
              <th scope="col">Stopped</th>
              <th scope="col">Ran on</th>
              <th scope="col">Task ID</th>
            </tr>
          </thead>
          <tbody>
            {tasks.items.map((t, i) => (
              <TaskRow
                key={t.taskId ?? i}
                task={t}
                message={t.taskId !== null ? (messages.get(t.taskId) ?? null) : null}
                now={now}
              />
            ))}
          </tbody>
        </table>
      )}
      {tasks?.hasNextPage ? (
        <p class="muted">
          The first 100 tasks; the run has more (<code>tasks(after:)</code> in the API).
        </p>
      ) : null}
    </section>
  );
}
