import type { JobLogWhere, ProviderLogs } from '../shared/provider.ts';
import type { BatchContainer, BatchJobRecord } from './record.ts';

/** The group the awslogs driver writes a Batch job's lines to when its definition names none. */
const BATCH_DEFAULT_LOG_GROUP = '/aws/batch/job';

/** An option of a log configuration (`awslogs-group`), or null. */
const optionOf = (container: BatchContainer | null, name: string): string | null =>
  container?.logConfiguration?.options.find((o) => o.key === name)?.value ?? null;

/**
 * Where an AWS Batch job attempt's lines are (docs/logs.md): the attempt's
 * `container.logStreamName` (the job's `container` for the running attempt), in the group its
 * definition's `logConfiguration` names (`awslogs-group`, by default `/aws/batch/job`), in the
 * region `awslogs-region` names (default the job's). Array children and multi-node nodes are jobs
 * of their own, each with its stream; a multi-node parent, an EKS job, a job not started or one
 * whose log driver is not `awslogs` answers why it has no lines instead.
 */
export function batchLogPlace(record: BatchJobRecord, attempt: number | null): JobLogWhere {
  const attempts = record.attempts;
  if (attempt !== null && (attempt < 1 || attempt > attempts.length))
    throw new RangeError(
      `attempt ${attempt} is not one of this job's ${attempts.length} attempt(s)`,
    );
  if (record.eksPod !== null || record.eksAttempts.length > 0)
    return { unavailable: 'an EKS job logs through its cluster, not to CloudWatch Logs' };
  const ecs = record.ecsTasks[0]?.containers[0] ?? null;
  const container = record.container;
  if (container === null && ecs === null)
    return record.nodeProperties !== null
      ? { unavailable: "a multi-node job's lines are in each node's own stream: ask a node" }
      : { unavailable: 'not started: no log stream yet' };
  const driver = container?.logConfiguration?.logDriver ?? 'awslogs';
  if (driver !== 'awslogs')
    return {
      unavailable: `its log driver is ${driver}, not awslogs: its lines are not in CloudWatch Logs`,
    };
  const latest = attempt === null;
  const chosen = latest ? attempts[attempts.length - 1] : attempts[attempt - 1];
  // The running attempt is not in `attempts` yet: the job's own container names its stream.
  const running = latest && !record.terminal;
  const stream = running
    ? (container?.logStreamName ?? ecs?.logStreamName ?? null)
    : (chosen?.container?.logStreamName ??
      (latest ? (container?.logStreamName ?? ecs?.logStreamName ?? null) : null));
  if (stream === null) return { unavailable: 'not started: no log stream yet' };
  return {
    region: optionOf(container, 'awslogs-region') ?? record.region,
    group: optionOf(container, 'awslogs-group') ?? BATCH_DEFAULT_LOG_GROUP,
    stream,
    finished: !running && (chosen?.stoppedAt != null || record.terminal),
  };
}

/** AWS Batch's job logs (`Provider.logs`). */
export const BATCH_LOGS: ProviderLogs<BatchJobRecord> = { place: batchLogPlace };
