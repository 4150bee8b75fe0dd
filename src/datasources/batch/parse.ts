import { MalformedBodyError } from '../../errors.ts';
import type { BatchKey } from '../../model/keys.ts';
import { mapState, type KeyValue } from '../../model/job.ts';
import { jobHeader } from '../shared/jobHeader.ts';
import {
  arr,
  bool,
  enumValue,
  int,
  keyValues,
  obj,
  response,
  str,
  type JsonObject,
} from '../shared/json.ts';
import { notFound } from './errors.ts';
import { BATCH_KEY } from './key.ts';
import {
  BATCH_JOB_STATUSES,
  BATCH_STATE_MAP,
  type BatchAttempt,
  type BatchContainer,
  type BatchEcsContainer,
  type BatchEcsTask,
  type BatchEksAttempt,
  type BatchEksAttemptContainer,
  type BatchEksContainer,
  type BatchEksPod,
  type BatchEnvironmentVariable,
  type BatchJobRecord,
  type BatchNetworkInterface,
  type BatchResourceRequirement,
  type BatchSecret,
} from './record.ts';

/**
 * A `Long` time of the model: epoch milliseconds (a number on the wire and in the SDK's output),
 * as ISO-8601 UTC; absent is null. Anything else is MalformedBodyError naming the field.
 */
export function epochMillis(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new MalformedBodyError(`${field} is not epoch milliseconds`);
  const date = new Date(Math.round(value));
  if (Number.isNaN(date.getTime()))
    throw new MalformedBodyError(`${field} is not epoch milliseconds`);
  return date.toISOString();
}

/** A list of objects, each read by `read` under its position's name; null entries are malformed. */
function list<T>(value: unknown, field: string, read: (o: JsonObject, field: string) => T): T[] {
  return arr(value, field).map((v, i) => {
    const named = `${field}[${i}]`;
    const o = obj(v, named);
    if (!o) throw new MalformedBodyError(`${named} is null`);
    return read(o, named);
  });
}

/** A member object read by `read`, or null when absent. */
function member<T>(
  value: unknown,
  field: string,
  read: (o: JsonObject, field: string) => T,
): T | null {
  const o = obj(value, field);
  return o ? read(o, field) : null;
}

/** `o[outer][name]` read by `read` at its wire path; null when either is absent. */
function nested<T>(
  o: JsonObject,
  outer: string,
  name: string,
  f: string,
  read: (value: unknown, field: string) => T,
): T {
  return read(obj(o[outer], `${f}.${outer}`)?.[name], `${f}.${outer}.${name}`);
}

const strings = (value: unknown, field: string): string[] =>
  arr(value, field).map((v, i) => str(v, `${field}[${i}]`) ?? '');

const env = (value: unknown, field: string): BatchEnvironmentVariable[] =>
  list(value, field, (o, f) => ({
    name: str(o.name, `${f}.name`),
    value: str(o.value, `${f}.value`),
  }));

const secrets = (value: unknown, field: string): BatchSecret[] =>
  list(value, field, (o, f) => ({
    name: str(o.name, `${f}.name`),
    valueFrom: str(o.valueFrom, `${f}.valueFrom`),
  }));

const interfaces = (value: unknown, field: string): BatchNetworkInterface[] =>
  list(value, field, (o, f) => ({
    attachmentId: str(o.attachmentId, `${f}.attachmentId`),
    ipv6Address: str(o.ipv6Address, `${f}.ipv6Address`),
    privateIpv4Address: str(o.privateIpv4Address, `${f}.privateIpv4Address`),
  }));

const requirements = (value: unknown, field: string): BatchResourceRequirement[] =>
  list(value, field, (o, f) => ({
    type: str(o.type, `${f}.type`),
    value: str(o.value, `${f}.value`),
  }));

/** A map of the model (`ParametersMap`, `EksLimits`, …) as `KeyValue`s in the wire's order. */
const map = (value: unknown, field: string): KeyValue[] => keyValues(value, field);

/** `container` (ContainerDetail) or a node range's container (ContainerProperties). */
function container(o: JsonObject, f: string): BatchContainer {
  const log = obj(o.logConfiguration, `${f}.logConfiguration`);
  return {
    image: str(o.image, `${f}.image`),
    vcpus: int(o.vcpus, `${f}.vcpus`),
    memory: int(o.memory, `${f}.memory`),
    command: strings(o.command, `${f}.command`),
    jobRoleArn: str(o.jobRoleArn, `${f}.jobRoleArn`),
    executionRoleArn: str(o.executionRoleArn, `${f}.executionRoleArn`),
    environment: env(o.environment, `${f}.environment`),
    secrets: secrets(o.secrets, `${f}.secrets`),
    volumes: list(o.volumes, `${f}.volumes`, (v, vf) => {
      const efs = obj(v.efsVolumeConfiguration, `${vf}.efsVolumeConfiguration`);
      return {
        name: str(v.name, `${vf}.name`),
        hostSourcePath: str(obj(v.host, `${vf}.host`)?.sourcePath, `${vf}.host.sourcePath`),
        efsFileSystemId: str(efs?.fileSystemId, `${vf}.efsVolumeConfiguration.fileSystemId`),
        efsRootDirectory: str(efs?.rootDirectory, `${vf}.efsVolumeConfiguration.rootDirectory`),
      };
    }),
    mountPoints: list(o.mountPoints, `${f}.mountPoints`, (m, mf) => ({
      containerPath: str(m.containerPath, `${mf}.containerPath`),
      readOnly: bool(m.readOnly, `${mf}.readOnly`),
      sourceVolume: str(m.sourceVolume, `${mf}.sourceVolume`),
    })),
    ulimits: list(o.ulimits, `${f}.ulimits`, (u, uf) => ({
      name: str(u.name, `${uf}.name`),
      softLimit: int(u.softLimit, `${uf}.softLimit`),
      hardLimit: int(u.hardLimit, `${uf}.hardLimit`),
    })),
    readonlyRootFilesystem: bool(o.readonlyRootFilesystem, `${f}.readonlyRootFilesystem`),
    privileged: bool(o.privileged, `${f}.privileged`),
    user: str(o.user, `${f}.user`),
    exitCode: int(o.exitCode, `${f}.exitCode`),
    reason: str(o.reason, `${f}.reason`),
    containerInstanceArn: str(o.containerInstanceArn, `${f}.containerInstanceArn`),
    taskArn: str(o.taskArn, `${f}.taskArn`),
    logStreamName: str(o.logStreamName, `${f}.logStreamName`),
    instanceType: str(o.instanceType, `${f}.instanceType`),
    networkInterfaces: interfaces(o.networkInterfaces, `${f}.networkInterfaces`),
    resourceRequirements: requirements(o.resourceRequirements, `${f}.resourceRequirements`),
    logConfiguration: log
      ? {
          logDriver: str(log.logDriver, `${f}.logConfiguration.logDriver`),
          options: map(log.options, `${f}.logConfiguration.options`),
          secretOptions: secrets(log.secretOptions, `${f}.logConfiguration.secretOptions`),
        }
      : null,
    fargatePlatformVersion: nested(o, 'fargatePlatformConfiguration', 'platformVersion', f, str),
    assignPublicIp: nested(o, 'networkConfiguration', 'assignPublicIp', f, str),
    ephemeralStorageGiB: nested(o, 'ephemeralStorage', 'sizeInGiB', f, int),
    operatingSystemFamily: nested(o, 'runtimePlatform', 'operatingSystemFamily', f, str),
    cpuArchitecture: nested(o, 'runtimePlatform', 'cpuArchitecture', f, str),
    repositoryCredentialsParameter: nested(
      o,
      'repositoryCredentials',
      'credentialsParameter',
      f,
      str,
    ),
    enableExecuteCommand: bool(o.enableExecuteCommand, `${f}.enableExecuteCommand`),
  };
}

function attempt(o: JsonObject, f: string): BatchAttempt {
  return {
    container: member(o.container, `${f}.container`, (c, cf) => ({
      containerInstanceArn: str(c.containerInstanceArn, `${cf}.containerInstanceArn`),
      taskArn: str(c.taskArn, `${cf}.taskArn`),
      exitCode: int(c.exitCode, `${cf}.exitCode`),
      reason: str(c.reason, `${cf}.reason`),
      logStreamName: str(c.logStreamName, `${cf}.logStreamName`),
      networkInterfaces: interfaces(c.networkInterfaces, `${cf}.networkInterfaces`),
    })),
    startedAt: epochMillis(o.startedAt, `${f}.startedAt`),
    stoppedAt: epochMillis(o.stoppedAt, `${f}.stoppedAt`),
    statusReason: str(o.statusReason, `${f}.statusReason`),
  };
}

function ecsContainer(o: JsonObject, f: string): BatchEcsContainer {
  return {
    name: str(o.name, `${f}.name`),
    image: str(o.image, `${f}.image`),
    command: strings(o.command, `${f}.command`),
    environment: env(o.environment, `${f}.environment`),
    secrets: secrets(o.secrets, `${f}.secrets`),
    essential: bool(o.essential, `${f}.essential`),
    user: str(o.user, `${f}.user`),
    privileged: bool(o.privileged, `${f}.privileged`),
    readonlyRootFilesystem: bool(o.readonlyRootFilesystem, `${f}.readonlyRootFilesystem`),
    resourceRequirements: requirements(o.resourceRequirements, `${f}.resourceRequirements`),
    exitCode: int(o.exitCode, `${f}.exitCode`),
    reason: str(o.reason, `${f}.reason`),
    logStreamName: str(o.logStreamName, `${f}.logStreamName`),
    networkInterfaces: interfaces(o.networkInterfaces, `${f}.networkInterfaces`),
  };
}

function ecsTask(o: JsonObject, f: string): BatchEcsTask {
  return {
    containers: list(o.containers, `${f}.containers`, ecsContainer),
    containerInstanceArn: str(o.containerInstanceArn, `${f}.containerInstanceArn`),
    taskArn: str(o.taskArn, `${f}.taskArn`),
    executionRoleArn: str(o.executionRoleArn, `${f}.executionRoleArn`),
    taskRoleArn: str(o.taskRoleArn, `${f}.taskRoleArn`),
    platformVersion: str(o.platformVersion, `${f}.platformVersion`),
    ipcMode: str(o.ipcMode, `${f}.ipcMode`),
    pidMode: str(o.pidMode, `${f}.pidMode`),
    assignPublicIp: nested(o, 'networkConfiguration', 'assignPublicIp', f, str),
    ephemeralStorageGiB: nested(o, 'ephemeralStorage', 'sizeInGiB', f, int),
    enableExecuteCommand: bool(o.enableExecuteCommand, `${f}.enableExecuteCommand`),
  };
}

function eksContainer(o: JsonObject, f: string): BatchEksContainer {
  const resources = obj(o.resources, `${f}.resources`);
  return {
    name: str(o.name, `${f}.name`),
    image: str(o.image, `${f}.image`),
    imagePullPolicy: str(o.imagePullPolicy, `${f}.imagePullPolicy`),
    command: strings(o.command, `${f}.command`),
    args: strings(o.args, `${f}.args`),
    env: env(o.env, `${f}.env`),
    limits: map(resources?.limits, `${f}.resources.limits`),
    requests: map(resources?.requests, `${f}.resources.requests`),
    exitCode: int(o.exitCode, `${f}.exitCode`),
    reason: str(o.reason, `${f}.reason`),
  };
}

function eksPod(o: JsonObject, f: string): BatchEksPod {
  const metadata = obj(o.metadata, `${f}.metadata`);
  return {
    serviceAccountName: str(o.serviceAccountName, `${f}.serviceAccountName`),
    hostNetwork: bool(o.hostNetwork, `${f}.hostNetwork`),
    dnsPolicy: str(o.dnsPolicy, `${f}.dnsPolicy`),
    podName: str(o.podName, `${f}.podName`),
    nodeName: str(o.nodeName, `${f}.nodeName`),
    namespace: str(metadata?.namespace, `${f}.metadata.namespace`),
    labels: map(metadata?.labels, `${f}.metadata.labels`),
    annotations: map(metadata?.annotations, `${f}.metadata.annotations`),
    imagePullSecrets: list(
      o.imagePullSecrets,
      `${f}.imagePullSecrets`,
      (s, sf) => str(s.name, `${sf}.name`) ?? '',
    ),
    containers: list(o.containers, `${f}.containers`, eksContainer),
    initContainers: list(o.initContainers, `${f}.initContainers`, eksContainer),
  };
}

const eksAttemptContainer = (o: JsonObject, f: string): BatchEksAttemptContainer => ({
  name: str(o.name, `${f}.name`),
  containerId: str(o.containerID, `${f}.containerID`),
  exitCode: int(o.exitCode, `${f}.exitCode`),
  reason: str(o.reason, `${f}.reason`),
});

function eksAttempt(o: JsonObject, f: string): BatchEksAttempt {
  return {
    containers: list(o.containers, `${f}.containers`, eksAttemptContainer),
    initContainers: list(o.initContainers, `${f}.initContainers`, eksAttemptContainer),
    eksClusterArn: str(o.eksClusterArn, `${f}.eksClusterArn`),
    podName: str(o.podName, `${f}.podName`),
    podNamespace: str(o.podNamespace, `${f}.podNamespace`),
    nodeName: str(o.nodeName, `${f}.nodeName`),
    startedAt: epochMillis(o.startedAt, `${f}.startedAt`),
    stoppedAt: epochMillis(o.stoppedAt, `${f}.stoppedAt`),
    statusReason: str(o.statusReason, `${f}.statusReason`),
  };
}

/** `arrayProperties` (ArrayPropertiesDetail), its status summary a list in the wire's order. */
function arrayProperties(o: JsonObject, f: string): BatchJobRecord['arrayProperties'] {
  const summary = obj(o.statusSummary, `${f}.statusSummary`) ?? {};
  return {
    size: int(o.size, `${f}.size`),
    index: int(o.index, `${f}.index`),
    statusSummary: Object.entries(summary).map(([status, n], i) => ({
      status,
      count: int(n, `${f}.statusSummary[${i}]`) ?? 0,
    })),
    statusSummaryLastUpdatedAt: epochMillis(
      o.statusSummaryLastUpdatedAt,
      `${f}.statusSummaryLastUpdatedAt`,
    ),
  };
}

/**
 * Normalise one `JobDetail` (an entry of DescribeJobs' `jobs`, from the SDK's output or the raw
 * wire JSON) for `key`. The only place Batch data is normalised. Wrong types throw
 * MalformedBodyError naming the field; unknown fields are ignored; absent ones are null or [].
 */
export function parseJob(key: BatchKey, detail: unknown, field = 'jobs[0]'): BatchJobRecord {
  const o = obj(detail, field);
  if (!o) throw new MalformedBodyError(`${field} is null`);
  const f = (name: string) => `${field}.${name}`;
  const providerStatus = str(o.status, f('status'));
  const state = mapState(BATCH_STATE_MAP, providerStatus);
  const createdAt = epochMillis(o.createdAt, f('createdAt'));
  const startedAt = epochMillis(o.startedAt, f('startedAt'));
  const stoppedAt = epochMillis(o.stoppedAt, f('stoppedAt'));
  const statusReason = str(o.statusReason, f('statusReason'));
  const retry = obj(o.retryStrategy, f('retryStrategy'));
  const nodes = obj(o.nodeProperties, f('nodeProperties'));
  const terminal = state === 'SUCCEEDED' || state === 'FAILED';
  return {
    ...jobHeader(BATCH_KEY, key, {
      nativeId: str(o.jobId, f('jobId')) ?? key.jobId,
      state,
      providerStatus,
      statusMessage: statusReason,
      createdAt,
      updatedAt: null,
      // A cancelled job never started: it stopped when it was cancelled, which Batch does not time.
      completedAt: terminal ? stoppedAt : null,
    }),
    jobArn: str(o.jobArn, f('jobArn')),
    jobName: str(o.jobName, f('jobName')),
    jobQueue: str(o.jobQueue, f('jobQueue')),
    status: enumValue(providerStatus, BATCH_JOB_STATUSES),
    statusReason,
    shareIdentifier: str(o.shareIdentifier, f('shareIdentifier')),
    schedulingPriority: int(o.schedulingPriority, f('schedulingPriority')),
    startedAt,
    stoppedAt,
    jobDefinition: str(o.jobDefinition, f('jobDefinition')),
    parameters: map(o.parameters, f('parameters')),
    dependsOn: list(o.dependsOn, f('dependsOn'), (d, df) => ({
      jobId: str(d.jobId, `${df}.jobId`),
      type: str(d.type, `${df}.type`),
    })),
    retryStrategy: retry
      ? {
          attempts: int(retry.attempts, f('retryStrategy.attempts')),
          evaluateOnExit: list(
            retry.evaluateOnExit,
            f('retryStrategy.evaluateOnExit'),
            (e, ef) => ({
              onStatusReason: str(e.onStatusReason, `${ef}.onStatusReason`),
              onReason: str(e.onReason, `${ef}.onReason`),
              onExitCode: str(e.onExitCode, `${ef}.onExitCode`),
              action: str(e.action, `${ef}.action`),
            }),
          ),
        }
      : null,
    attemptDurationSeconds: int(
      obj(o.timeout, f('timeout'))?.attemptDurationSeconds,
      f('timeout.attemptDurationSeconds'),
    ),
    attempts: list(o.attempts, f('attempts'), attempt),
    tags: map(o.tags, f('tags')),
    propagateTags: bool(o.propagateTags, f('propagateTags')),
    platformCapabilities: strings(o.platformCapabilities, f('platformCapabilities')),
    isCancelled: bool(o.isCancelled, f('isCancelled')),
    isTerminated: bool(o.isTerminated, f('isTerminated')),
    container: member(o.container, f('container'), container),
    arrayProperties: member(o.arrayProperties, f('arrayProperties'), arrayProperties),
    nodeProperties: nodes
      ? {
          numNodes: int(nodes.numNodes, f('nodeProperties.numNodes')),
          mainNode: int(nodes.mainNode, f('nodeProperties.mainNode')),
          nodeRangeProperties: list(
            nodes.nodeRangeProperties,
            f('nodeProperties.nodeRangeProperties'),
            (r, rf) => ({
              targetNodes: str(r.targetNodes, `${rf}.targetNodes`),
              instanceTypes: strings(r.instanceTypes, `${rf}.instanceTypes`),
              container: member(r.container, `${rf}.container`, container),
            }),
          ),
        }
      : null,
    nodeDetails: member(o.nodeDetails, f('nodeDetails'), (n, nf) => ({
      nodeIndex: int(n.nodeIndex, `${nf}.nodeIndex`),
      isMainNode: bool(n.isMainNode, `${nf}.isMainNode`),
    })),
    ecsTasks: list(
      obj(o.ecsProperties, f('ecsProperties'))?.taskProperties,
      f('ecsProperties.taskProperties'),
      ecsTask,
    ),
    eksPod: member(
      obj(o.eksProperties, f('eksProperties'))?.podProperties,
      f('eksProperties.podProperties'),
      eksPod,
    ),
    eksAttempts: list(o.eksAttempts, f('eksAttempts'), eksAttempt),
  };
}

/**
 * Normalise a DescribeJobs answer (the SDK's output or the raw wire JSON) for the one job `key`
 * names: its record, or NOT_FOUND (thrown) when the answer leaves it out.
 */
export function parse(key: BatchKey, output: unknown): BatchJobRecord {
  const record = parseJobs(new Map([[key.jobId, key]]), output).get(key.jobId);
  if (!record) throw notFound(key, null);
  return record;
}

/**
 * The `jobs` of a DescribeJobs answer by job ID, each normalised for the key that asked for it
 * (`keys`, by job ID); jobs no key asked for are ignored, and an ID the answer leaves out is
 * absent from the map (the service's "no such job").
 */
export function parseJobs(
  keys: ReadonlyMap<string, BatchKey>,
  output: unknown,
): Map<string, BatchJobRecord> {
  const body = response(output, 'response is not an object');
  const out = new Map<string, BatchJobRecord>();
  arr(body.jobs, 'jobs').forEach((detail, i) => {
    const field = `jobs[${i}]`;
    const o = obj(detail, field);
    if (!o) throw new MalformedBodyError(`${field} is null`);
    const jobId = str(o.jobId, `${field}.jobId`);
    if (jobId === null) throw new MalformedBodyError(`${field}.jobId is missing`);
    const key = keys.get(jobId);
    if (key && !out.has(jobId)) out.set(jobId, parseJob(key, o, field));
  });
  return out;
}
