/**
 * The fixed GraphQL documents the MCP tools run against the gateway's own schema: a tool never
 * reads a provider itself, it asks the graph as a /graphql client would (docs/mcp.md).
 */

/** The job fields every tool answers with. */
const JOB_FIELDS = `id provider nativeId name accountAlias region state providerStatus statusMessage
  terminal liveBy createdAt updatedAt completedAt retained availableActions
  failure { category retryable summary }`;

/** `find_jobs` over the providers (listJobs). */
export const FIND_LIVE = `query McpFindJobs($filter: JobListFilter, $first: Int, $after: String) {
  listJobs(filter: $filter, first: $first, after: $after) {
    edges { cursor node { ${JOB_FIELDS} } }
    pageInfo { hasNextPage endCursor }
    sources { provider region state code }
  }
}`;

/** `find_jobs` over jobgraph's history store (jobHistory): text and finish-time filters. */
export const FIND_HISTORY = `query McpJobHistory($filter: JobHistoryFilter, $first: Int, $after: String) {
  jobHistory(filter: $filter, first: $first, after: $after) {
    edges { cursor node { ${JOB_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** `get_job`: one job by global ID. */
export const GET_JOB = `query McpGetJob($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;

/** `why_failed` without the logs scope: the failure alone. */
export const WHY_FAILED = `query McpWhyFailed($id: ID!) {
  job(id: $id) { id state terminal failure { category retryable summary evidence rulesVersion } }
}`;

/** `why_failed` with `jobs:logs:read`: the failure and the newest log lines. */
export const WHY_FAILED_WITH_LOGS = `query McpWhyFailedLogs($id: ID!, $last: Int) {
  job(id: $id) {
    id state terminal failure { category retryable summary evidence rulesVersion }
    logTail(last: $last) { lines { at message } hasMore unavailable }
  }
}`;

/** `job_timeline`: the history's transitions of a job. */
export const TIMELINE = `query McpTimeline($id: ID!) {
  job(id: $id) { id state terminal transitions { at from to providerStatus source } }
}`;

/** A queue's fields `queue_status` answers for every queue and for one. */
const QUEUE_FIELDS = `id name accountAlias region state status statusReason
  counts { state jobs } waitSeconds { samples p50 p90 }`;

/** `queue_status` without a queue: every queue the caller reads (`jobQueues`). */
export const QUEUES = `query McpQueues($filter: JobQueueFilter) {
  jobQueues(filter: $filter) {
    ${QUEUE_FIELDS}
    computeEnvironments { name type state status statusReason }
  }
}`;

/** `queue_status` of one queue: its description, its environments in full, its counts and waits. */
export const QUEUE = `query McpQueue($id: ID!) {
  jobQueue(id: $id) {
    ${QUEUE_FIELDS} arn priority
    computeEnvironments {
      name type state status statusReason minvCpus desiredvCpus maxvCpus instanceTypes
    }
  }
}`;

/**
 * `queue_status` of one queue, asked apart from QUEUE: its front and capacity in use come from the
 * queue's snapshot, whose failure would otherwise null the whole queue.
 */
export const QUEUE_FRONT = `query McpQueueFront($id: ID!) {
  jobQueue(id: $id) {
    capacityInUse { scope share unit quantity }
    front(first: 20) { position jobArn earliestTimeAtPosition job { id name state } }
  }
}`;

/** `why_waiting`: why a job has not started (`Job.waiting`). */
export const WHY_WAITING = `query McpWhyWaiting($id: ID!) {
  job(id: $id) { id name state waiting { position since reasons { code message evidence } } }
}`;

/** `watch_job`'s task, read on whichever replica is asked. */
export const TASK_STATE = `query McpTaskState($id: ID!) {
  job(id: $id) { ${JOB_FIELDS} failure { evidence } }
}`;

/** `cancel_job`. */
export const CANCEL = `mutation McpCancel($id: ID!, $reason: String!) {
  cancelJob(id: $id, reason: $reason) { id action outcome message providerCode job { id state } }
}`;

/** `rerun_job`: the new job read back, to be watched (`watch_job`). */
export const RERUN = `mutation McpRerun($id: ID!, $reason: String!) {
  rerunJob(id: $id, reason: $reason) { id action outcome message providerCode job { id state } rerun { id state } }
}`;

/** `terminate_job`. */
export const TERMINATE = `mutation McpTerminate($id: ID!, $reason: String!) {
  terminateJob(id: $id, reason: $reason) { id action outcome message providerCode job { id state } }
}`;
