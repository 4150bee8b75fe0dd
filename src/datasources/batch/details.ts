/**
 * The readers of a DescribeJobs `JobDetail`'s nested shapes — containers, attempts, ECS tasks, EKS
 * pods, array properties — and the wire helpers they share; `parse.ts` puts them together into a
 * job's record. Wrong types throw MalformedBodyError naming the field.
 */
import { MalformedBodyError } from '../../errors.ts';
import type { KeyValue } from '../../model/job.ts';
import { arr, bool, int, keyValues, members, obj, str, type JsonObject } from '../shared/json.ts';
import type {
  BatchAttempt,
  BatchAttemptContainer,
  BatchContainer,
  BatchEcsContainer,
  BatchEcsTask,
  BatchEksAttempt,
  BatchEksAttemptContainer,
  BatchEksContainer,
  BatchEksPod,
  BatchEnvironmentVariable,
  BatchJobRecord,
  BatchLinuxParameters,
  BatchNetworkInterface,
  BatchResourceRequirement,
  BatchSecret,
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
export function list<T>(
  value: unknown,
  field: string,
  read: (o: JsonObject, field: string) => T,
): T[] {
  return arr(value, field).map((v, i) => {
    const named = `${field}[${i}]`;
    const o = obj(v, named);
    if (!o) throw new MalformedBodyError(`${named} is null`);
    return read(o, named);
  });
}

/** A member object read by `read`, or null when absent. */
export function member<T>(
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

export const strings = (value: unknown, field: string): string[] =>
  arr(value, field).map((v, i) => str(v, `${field}[${i}]`) ?? '');

const env = (value: unknown, field: string): BatchEnvironmentVariable[] =>
  list(value, field, (o, f) => members(o, f, { name: str, value: str }));

const secrets = (value: unknown, field: string): BatchSecret[] =>
  list(value, field, (o, f) => members(o, f, { name: str, valueFrom: str }));

const interfaces = (value: unknown, field: string): BatchNetworkInterface[] =>
  list(value, field, (o, f) =>
    members(o, f, { attachmentId: str, ipv6Address: str, privateIpv4Address: str }),
  );

const requirements = (value: unknown, field: string): BatchResourceRequirement[] =>
  list(value, field, (o, f) => members(o, f, { type: str, value: str }));

/** A map of the model (`ParametersMap`, `EksLimits`, …) as `KeyValue`s in the wire's order. */
export const map = (value: unknown, field: string): KeyValue[] => keyValues(value, field);

/** `container` (ContainerDetail) or a node range's container (ContainerProperties). */
export function container(o: JsonObject, f: string): BatchContainer {
  const log = obj(o.logConfiguration, `${f}.logConfiguration`);
  return {
    ...members(o, f, {
      image: str,
      vcpus: int,
      memory: int,
      command: strings,
      jobRoleArn: str,
      executionRoleArn: str,
      environment: env,
      secrets,
    }),
    volumes: list(o.volumes, `${f}.volumes`, (v, vf) => {
      const efs = obj(v.efsVolumeConfiguration, `${vf}.efsVolumeConfiguration`);
      return {
        name: str(v.name, `${vf}.name`),
        hostSourcePath: str(obj(v.host, `${vf}.host`)?.sourcePath, `${vf}.host.sourcePath`),
        efsFileSystemId: str(efs?.fileSystemId, `${vf}.efsVolumeConfiguration.fileSystemId`),
        efsRootDirectory: str(efs?.rootDirectory, `${vf}.efsVolumeConfiguration.rootDirectory`),
      };
    }),
    mountPoints: list(o.mountPoints, `${f}.mountPoints`, (m, mf) =>
      members(m, mf, { containerPath: str, readOnly: bool, sourceVolume: str }),
    ),
    ulimits: list(o.ulimits, `${f}.ulimits`, (u, uf) =>
      members(u, uf, { name: str, softLimit: int, hardLimit: int }),
    ),
    ...members(o, f, { readonlyRootFilesystem: bool, privileged: bool, user: str }),
    // What an attempt's container reports too: where it ran and how it ended.
    ...attemptContainer(o, f),
    ...members(o, f, { instanceType: str, resourceRequirements: requirements }),
    logConfiguration: log
      ? members(log, `${f}.logConfiguration`, {
          logDriver: str,
          options: map,
          secretOptions: secrets,
        })
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
    linuxParameters: member(o.linuxParameters, `${f}.linuxParameters`, linuxParameters),
  };
}

/** `linuxParameters` (LinuxParameters) of a container. */
function linuxParameters(o: JsonObject, f: string): BatchLinuxParameters {
  return {
    devices: list(o.devices, `${f}.devices`, (d, df) =>
      members(d, df, { hostPath: str, containerPath: str, permissions: strings }),
    ),
    ...members(o, f, { initProcessEnabled: bool, sharedMemorySize: int }),
    tmpfs: list(o.tmpfs, `${f}.tmpfs`, (t, tf) =>
      members(t, tf, { containerPath: str, size: int, mountOptions: strings }),
    ),
    ...members(o, f, { maxSwap: int, swappiness: int }),
  };
}

/** Where an ECS task ran: ContainerDetail, AttemptContainerDetail and EcsTaskDetails name it alike. */
const PLACED = { containerInstanceArn: str, taskArn: str };

/** How a container ended: ContainerDetail, AttemptContainerDetail and TaskContainerDetails report it alike. */
const ENDED = { exitCode: int, reason: str, logStreamName: str, networkInterfaces: interfaces };

/** When an attempt ran and why it stopped: AttemptDetail and EksAttemptDetail time it alike. */
const TIMED = { startedAt: epochMillis, stoppedAt: epochMillis, statusReason: str };

/** An attempt's container (AttemptContainerDetail): where it ran and how it ended. */
const ATTEMPT_CONTAINER = { ...PLACED, ...ENDED };

/** An attempt's `container` (AttemptContainerDetail): the members a ContainerDetail has too. */
function attemptContainer(o: JsonObject, f: string): BatchAttemptContainer {
  return members(o, f, ATTEMPT_CONTAINER);
}

export function attempt(o: JsonObject, f: string): BatchAttempt {
  return {
    container: member(o.container, `${f}.container`, attemptContainer),
    ...members(o, f, TIMED),
  };
}

function ecsContainer(o: JsonObject, f: string): BatchEcsContainer {
  return members(o, f, {
    name: str,
    image: str,
    command: strings,
    environment: env,
    secrets,
    essential: bool,
    user: str,
    privileged: bool,
    readonlyRootFilesystem: bool,
    resourceRequirements: requirements,
    ...ENDED,
  });
}

export function ecsTask(o: JsonObject, f: string): BatchEcsTask {
  return {
    containers: list(o.containers, `${f}.containers`, ecsContainer),
    ...members(o, f, {
      ...PLACED,
      executionRoleArn: str,
      taskRoleArn: str,
      platformVersion: str,
      ipcMode: str,
      pidMode: str,
    }),
    assignPublicIp: nested(o, 'networkConfiguration', 'assignPublicIp', f, str),
    ephemeralStorageGiB: nested(o, 'ephemeralStorage', 'sizeInGiB', f, int),
    enableExecuteCommand: bool(o.enableExecuteCommand, `${f}.enableExecuteCommand`),
  };
}

function eksContainer(o: JsonObject, f: string): BatchEksContainer {
  const resources = obj(o.resources, `${f}.resources`);
  return {
    ...members(o, f, {
      name: str,
      image: str,
      imagePullPolicy: str,
      command: strings,
      args: strings,
      env,
    }),
    limits: map(resources?.limits, `${f}.resources.limits`),
    requests: map(resources?.requests, `${f}.resources.requests`),
    ...members(o, f, { exitCode: int, reason: str }),
  };
}

export function eksPod(o: JsonObject, f: string): BatchEksPod {
  const metadata = obj(o.metadata, `${f}.metadata`);
  return {
    ...members(o, f, {
      serviceAccountName: str,
      hostNetwork: bool,
      dnsPolicy: str,
      podName: str,
      nodeName: str,
    }),
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
  // The wire spells it containerID.
  containerId: str(o.containerID, `${f}.containerID`),
  ...members(o, f, { exitCode: int, reason: str }),
});

export function eksAttempt(o: JsonObject, f: string): BatchEksAttempt {
  return {
    containers: list(o.containers, `${f}.containers`, eksAttemptContainer),
    initContainers: list(o.initContainers, `${f}.initContainers`, eksAttemptContainer),
    ...members(o, f, {
      eksClusterArn: str,
      podName: str,
      podNamespace: str,
      nodeName: str,
      ...TIMED,
    }),
  };
}

/** `arrayProperties` (ArrayPropertiesDetail), its status summary a list in the wire's order. */
export function arrayProperties(o: JsonObject, f: string): BatchJobRecord['arrayProperties'] {
  const summary = obj(o.statusSummary, `${f}.statusSummary`) ?? {};
  return {
    ...members(o, f, { size: int, index: int }),
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
