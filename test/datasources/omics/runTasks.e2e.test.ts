// A HealthOmics run's tasks and log lines (issue 102: "a failed run's `failure`, its tasks and its
// engine log lines agree with GetRun, ListRunTasks and GetLogEvents read by the SDKs at the
// emulators"): a compiled gateway in live mode on the demo emulators, held to
// @aws-sdk/client-omics and @aws-sdk/client-cloudwatch-logs reading the same emulators.
import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  type OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  GetRunCommand,
  GetRunTaskCommand,
  ListRunTasksCommand,
  OmicsClient,
  type TaskListItem,
} from '@aws-sdk/client-omics';
import { beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/auth/mintToken.ts';
import { OMICS_FAILURE_RULES } from '../../../src/datasources/omics/failureRules.ts';
import { OMICS_WORKFLOW_LOG_GROUP } from '@jobgraph/emulators/omics/runLogs';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { SHARED_SECRET } from '../../subscriptions/clusterSupport.ts';
import { useLiveGateway } from '../../support/liveReplicas.ts';
import { demoSdkConfig, useSdkClients } from '../../support/sdkClients.ts';
import { isoOrNull as iso } from '../../support/sdkOracle.ts';

const REGION = 'us-east-1';
const failed = OMICS_DEMO_RUNS.find((r) => r.status === 'FAILED')!;
const runId = `omicsrun:${REGION}:${failed.uuid}:${failed.id}`;
const LISTED = `taskId name status providerStatus cpus memory gpus instanceType cacheHit cacheS3Uri
  creationTime startTime stopTime`;

type Graph = Record<string, unknown>;
interface Answer {
  data?: { job?: Graph | null } | null;
  errors?: { message: string; path?: unknown[]; extensions?: { code?: string } }[];
}

/** What the graph must say of a listed task, from ListRunTasks' item as the SDK reads it. */
function expectedTask(item: TaskListItem): Graph {
  return {
    taskId: item.taskId ?? null,
    name: item.name ?? null,
    status: item.status ?? null,
    providerStatus: item.status ?? null,
    cpus: item.cpus ?? null,
    memory: item.memory ?? null,
    gpus: item.gpus ?? null,
    instanceType: item.instanceType ?? null,
    cacheHit: item.cacheHit ?? null,
    cacheS3Uri: item.cacheS3Uri ?? null,
    creationTime: iso(item.creationTime),
    startTime: iso(item.startTime),
    stopTime: iso(item.stopTime),
  };
}

/** The graph's lines of a stream, from GetLogEvents' events (all of the stream's, oldest first). */
const linesOf = (events: OutputLogEvent[] | undefined) =>
  (events ?? []).map((e) => ({ at: new Date(e.timestamp!).toISOString(), message: e.message }));

describe('A HealthOmics run’s tasks and log lines through a live gateway', () => {
  const keep = useSdkClients();
  const live = useLiveGateway({ JOBGRAPH_HISTORY_URL: 'off' });
  let reader = '';
  let logReader = '';
  let omics: OmicsClient;
  let logs: CloudWatchLogsClient;
  beforeAll(async () => {
    reader = await mintToken({ secret: SHARED_SECRET, scopes: ['jobs:read'], accounts: ['*'] });
    logReader = await mintToken({
      secret: SHARED_SECRET,
      scopes: ['jobs:read', 'jobs:logs:read'],
      accounts: ['*'],
    });
    omics = keep(
      new OmicsClient({ ...demoSdkConfig(live.emulators.omics.url), disableHostPrefix: true }),
    );
    logs = keep(new CloudWatchLogsClient(demoSdkConfig(live.emulators.logs.url)));
  });

  const ask = async (token: string, query: string, variables: Graph = {}): Promise<Answer> => {
    const res = await fetch(live.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables: { id: runId, ...variables } }),
    });
    return (await res.json()) as Answer;
  };
  const calls = (operation: RegExp) =>
    live.emulators.omics.calls.filter((c) => operation.test(c.operation)).length;
  const logReads = () =>
    live.emulators.logs.calls.filter((c) => c.operation.startsWith('GetLogEvents')).length;

  it('says the failed run’s failure as the failure-reason table reads GetRun’s failureReason', async () => {
    const out = await omics.send(new GetRunCommand({ id: failed.id }));
    const rule = OMICS_FAILURE_RULES.rules.find(
      (r) => r.field === 'failureReason' && r.equals === out.failureReason,
    )!;
    expect(rule).toBeDefined();
    const answer = await ask(
      reader,
      `query($id: ID!) { job(id: $id) { failure { category retryable summary evidence } } }`,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.job!.failure).toEqual({
      category: rule.category,
      retryable: rule.retryable,
      summary: rule.summary,
      evidence: [`failureReason: ${out.failureReason}`, `statusMessage: ${out.statusMessage}`],
    });
  });

  it('lists its tasks as ListRunTasks does, field for field, page by page, without GetRunTask', async () => {
    const sdkItems: TaskListItem[] = [];
    let token: string | undefined;
    do {
      const page = await omics.send(
        new ListRunTasksCommand({ id: failed.id, maxResults: 1, startingToken: token }),
      );
      sdkItems.push(...(page.items ?? []));
      token = page.nextToken;
    } while (token);
    expect(sdkItems.length).toBeGreaterThan(1);

    const graphItems: Graph[] = [];
    const getTasks = calls(/^GET \/run\/\d+\/task\/\d+$/);
    let after: string | null = null;
    do {
      const answer = await ask(
        reader,
        `query($id: ID!, $after: String) { job(id: $id) { ... on OmicsRun {
          tasks(first: 1, after: $after) { items { ${LISTED} } endCursor hasNextPage } } } }`,
        { after },
      );
      expect(answer.errors).toBeUndefined();
      const page = answer.data!.job!.tasks as {
        items: Graph[];
        endCursor: string | null;
        hasNextPage: boolean;
      };
      expect(page.items).toHaveLength(1);
      expect(page.hasNextPage).toBe(page.endCursor !== null);
      graphItems.push(...page.items);
      after = page.endCursor;
    } while (after !== null);
    expect(graphItems).toEqual(sdkItems.map(expectedTask));
    // The listed fields are ListRunTasks' own: no GetRunTask was made for them.
    expect(calls(/^GET \/run\/\d+\/task\/\d+$/)).toBe(getTasks);

    const onlyFailed = await ask(
      reader,
      `query($id: ID!) { job(id: $id) { ... on OmicsRun { tasks(status: FAILED) { items { ${LISTED} } } } } }`,
    );
    const sdkFailed = await omics.send(
      new ListRunTasksCommand({ id: failed.id, status: 'FAILED' }),
    );
    expect((onlyFailed.data!.job!.tasks as { items: Graph[] }).items).toEqual(
      (sdkFailed.items ?? []).map(expectedTask),
    );
  });

  it('reads a task’s statusMessage, failureReason and logStream by GetRunTask, one call per task', async () => {
    const before = calls(/^GET \/run\/\d+\/task\/\d+$/);
    const answer = await ask(
      reader,
      `query($id: ID!) { job(id: $id) { ... on OmicsRun {
        tasks { items { taskId statusMessage failureReason logStream } } } } }`,
    );
    expect(answer.errors).toBeUndefined();
    const items = (answer.data!.job!.tasks as { items: Graph[] }).items;
    expect(items).toHaveLength(failed.tasks.length);
    // One GetRunTask a task, however many of its three fields are asked.
    expect(calls(/^GET \/run\/\d+\/task\/\d+$/) - before).toBe(items.length);
    for (const item of items) {
      const out = await omics.send(
        new GetRunTaskCommand({ id: failed.id, taskId: item.taskId as string }),
      );
      expect(item).toEqual({
        taskId: out.taskId,
        statusMessage: out.statusMessage ?? null,
        failureReason: out.failureReason ?? null,
        logStream: out.logStream ?? null,
      });
    }
  });

  it('tails the engine’s stream and a task’s as GetLogEvents reads them', async () => {
    const run = await omics.send(new GetRunCommand({ id: failed.id }));
    const { items } = await omics.send(
      new ListRunTasksCommand({ id: failed.id, status: 'FAILED' }),
    );
    const task = await omics.send(
      new GetRunTaskCommand({ id: failed.id, taskId: items![0]!.taskId! }),
    );
    const answer = await ask(
      logReader,
      `query($id: ID!, $task: String) { job(id: $id) {
        engine: logTail(last: 100) { group stream region hasMore unavailable lines { at message } }
        ... on OmicsRun { task: logTail(last: 100, task: $task) {
          group stream region hasMore unavailable lines { at message } } } } }`,
      { task: task.taskId },
    );
    expect(answer.errors).toBeUndefined();
    for (const [field, stream] of [
      ['engine', run.logLocation!.engineLogStream!],
      ['task', task.logStream!],
    ] as const) {
      const events = await logs.send(
        new GetLogEventsCommand({
          logGroupName: OMICS_WORKFLOW_LOG_GROUP,
          logStreamName: stream,
          startFromHead: true,
        }),
      );
      expect(events.events?.length, stream).toBeGreaterThan(0);
      expect(answer.data!.job![field], field).toEqual({
        group: OMICS_WORKFLOW_LOG_GROUP,
        stream,
        region: REGION,
        hasMore: false,
        unavailable: null,
        lines: linesOf(events.events),
      });
    }
  });

  it('refuses logTail(task:) to a jobs:read token without a log call, and a task that is no ID', async () => {
    const before = logReads();
    const refused = await ask(
      reader,
      `query($id: ID!) { job(id: $id) { id ... on OmicsRun { logTail(task: "${failed.tasks[0]!.taskId}") { stream } } } }`,
    );
    expect(refused.data!.job).toMatchObject({ id: runId, logTail: null });
    expect(refused.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['job', 'logTail'], 'FORBIDDEN'],
    ]);
    const bad = await ask(
      logReader,
      `query($id: ID!) { job(id: $id) { ... on OmicsRun { logTail(task: "../engine") { stream } } } }`,
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/task/);
    expect(logReads()).toBe(before);
  });
});
