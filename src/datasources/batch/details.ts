/**
 * The readers of a DescribeJobs `JobDetail`'s nested shapes — containers, attempts, ECS tasks, EKS
 * pods, array properties — and the wire helpers they share; `parse.ts` puts them together into a
 * job's record. Wrong types throw MalformedBodyError naming the field.
 */
import { MalformedBodyError } from '../../errors.ts';
import type { KeyValue } from '../../model/job.ts';
import { arr, bool, int, keyValues, obj, str, type JsonObject } from '../shared/json.ts';
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
export const map = (value: unknown, field: string): KeyValue[] => keyValues(value, field);

/** `container` (ContainerDetail) or a node range's container (ContainerProperties). */
export function container(o: JsonObject, f: string): BatchContainer {
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
    // What an attempt's container reports too: where it ran and how it ended.
    ...attemptContainer(o, f),
    instanceType: str(o.instanceType, `${f}.instanceType`),
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
    linuxParameters: member(o.linuxParameters, `${f}.linuxParameters`, linuxParameters),
  };
}

/** `linuxParameters` (LinuxParameters) of a container. */
function linuxParameters(o: JsonObject, f: string): BatchLinuxParameters {
  return {
    devices: list(o.devices, `${f}.devices`, (d, df) => ({
      hostPath: str(d.hostPath, `${df}.hostPath`),
      containerPath: str(d.containerPath, `${df}.containerPath`),
      permissions: strings(d.permissions, `${df}.permissions`),
    })),
    initProcessEnabled: bool(o.initProcessEnabled, `${f}.initProcessEnabled`),
    sharedMemorySize: int(o.sharedMemorySize, `${f}.sharedMemorySize`),
    tmpfs: list(o.tmpfs, `${f}.tmpfs`, (t, tf) => ({
      containerPath: str(t.containerPath, `${tf}.containerPath`),
      size: int(t.size, `${tf}.size`),
      mountOptions: strings(t.mountOptions, `${tf}.mountOptions`),
    })),
    maxSwap: int(o.maxSwap, `${f}.maxSwap`),
    swappiness: int(o.swappiness, `${f}.swappiness`),
  };
}

/** An attempt's `container` (AttemptContainerDetail): the members a ContainerDetail has too. */
function attemptContainer(o: JsonObject, f: string): BatchAttemptContainer {
  return {
    containerInstanceArn: str(o.containerInstanceArn, `${f}.containerInstanceArn`),
    taskArn: str(o.taskArn, `${f}.taskArn`),
    exitCode: int(o.exitCode, `${f}.exitCode`),
    reason: str(o.reason, `${f}.reason`),
    logStreamName: str(o.logStreamName, `${f}.logStreamName`),
    networkInterfaces: interfaces(o.networkInterfaces, `${f}.networkInterfaces`),
  };
}

export function attempt(o: JsonObject, f: string): BatchAttempt {
  return {
    container: member(o.container, `${f}.container`, attemptContainer),
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

export function ecsTask(o: JsonObject, f: string): BatchEcsTask {
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

export function eksPod(o: JsonObject, f: string): BatchEksPod {
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

export function eksAttempt(o: JsonObject, f: string): BatchEksAttempt {
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
export function arrayProperties(o: JsonObject, f: string): BatchJobRecord['arrayProperties'] {
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
