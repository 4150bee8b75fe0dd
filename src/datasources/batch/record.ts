import { stateTable, type JobRecord, type KeyValue } from '../../model/job.ts';

/**
 * AWS Batch job status → normalised state (README, "State mapping"; `JobStatus` in botocore's
 * batch/2016-08-10 model). A cancelled or terminated job is FAILED at Batch with `isCancelled` or
 * `isTerminated` set, and stays FAILED here: ListJobs' summaries carry no such flags, so a
 * CANCELLED mapping would show one job FAILED in `listJobs` and CANCELLED in `job(id)`, and list
 * filters and list-assisted watching would disagree with the describe. Anything else is UNKNOWN.
 */
export const BATCH_STATE_MAP = stateTable({
  SUBMITTED: 'QUEUED',
  PENDING: 'QUEUED',
  RUNNABLE: 'QUEUED',
  STARTING: 'IN_PROGRESS',
  RUNNING: 'IN_PROGRESS',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
});

/** GraphQL enum `BatchJobStatus`. */
export type BatchJobStatus = keyof typeof BATCH_STATE_MAP;

/** GraphQL type `BatchEnvironmentVariable`: `value` is secret (jobs:secrets:read). */
export interface BatchEnvironmentVariable {
  name: string | null;
  value: string | null;
}

/** GraphQL type `BatchSecret`: a reference (`valueFrom`, an ARN), not a value. */
export interface BatchSecret {
  name: string | null;
  valueFrom: string | null;
}

export interface BatchNetworkInterface {
  attachmentId: string | null;
  ipv6Address: string | null;
  privateIpv4Address: string | null;
}

export interface BatchResourceRequirement {
  type: string | null;
  value: string | null;
}

interface BatchVolume {
  name: string | null;
  hostSourcePath: string | null;
  efsFileSystemId: string | null;
  efsRootDirectory: string | null;
}

interface BatchMountPoint {
  containerPath: string | null;
  readOnly: boolean | null;
  sourceVolume: string | null;
}

interface BatchUlimit {
  name: string | null;
  softLimit: number | null;
  hardLimit: number | null;
}

interface BatchLogConfiguration {
  logDriver: string | null;
  options: KeyValue[];
  secretOptions: BatchSecret[];
}

/** GraphQL type `BatchContainer`: `container` (ContainerDetail) or a node range's (ContainerProperties). */
export interface BatchContainer {
  image: string | null;
  vcpus: number | null;
  memory: number | null;
  command: string[];
  jobRoleArn: string | null;
  executionRoleArn: string | null;
  environment: BatchEnvironmentVariable[];
  secrets: BatchSecret[];
  volumes: BatchVolume[];
  mountPoints: BatchMountPoint[];
  ulimits: BatchUlimit[];
  readonlyRootFilesystem: boolean | null;
  privileged: boolean | null;
  user: string | null;
  exitCode: number | null;
  reason: string | null;
  containerInstanceArn: string | null;
  taskArn: string | null;
  logStreamName: string | null;
  instanceType: string | null;
  networkInterfaces: BatchNetworkInterface[];
  resourceRequirements: BatchResourceRequirement[];
  logConfiguration: BatchLogConfiguration | null;
  fargatePlatformVersion: string | null;
  assignPublicIp: string | null;
  ephemeralStorageGiB: number | null;
  operatingSystemFamily: string | null;
  cpuArchitecture: string | null;
  repositoryCredentialsParameter: string | null;
  enableExecuteCommand: boolean | null;
  linuxParameters: BatchLinuxParameters | null;
}

/** GraphQL type `BatchLinuxParameters` (LinuxParameters). */
export interface BatchLinuxParameters {
  devices: { hostPath: string | null; containerPath: string | null; permissions: string[] }[];
  initProcessEnabled: boolean | null;
  sharedMemorySize: number | null;
  tmpfs: { containerPath: string | null; size: number | null; mountOptions: string[] }[];
  maxSwap: number | null;
  swappiness: number | null;
}

export interface BatchAttemptContainer {
  containerInstanceArn: string | null;
  taskArn: string | null;
  exitCode: number | null;
  reason: string | null;
  logStreamName: string | null;
  networkInterfaces: BatchNetworkInterface[];
}

export interface BatchAttempt {
  container: BatchAttemptContainer | null;
  startedAt: string | null;
  stoppedAt: string | null;
  statusReason: string | null;
}

interface BatchJobDependency {
  jobId: string | null;
  type: string | null;
}

interface BatchEvaluateOnExit {
  onStatusReason: string | null;
  onReason: string | null;
  onExitCode: string | null;
  action: string | null;
}

interface BatchRetryStrategy {
  attempts: number | null;
  evaluateOnExit: BatchEvaluateOnExit[];
}

interface BatchArrayStatusCount {
  status: string;
  count: number;
}

interface BatchArrayProperties {
  size: number | null;
  index: number | null;
  statusSummary: BatchArrayStatusCount[];
  statusSummaryLastUpdatedAt: string | null;
}

interface BatchNodeRange {
  targetNodes: string | null;
  instanceTypes: string[];
  container: BatchContainer | null;
}

interface BatchNodeProperties {
  numNodes: number | null;
  mainNode: number | null;
  nodeRangeProperties: BatchNodeRange[];
}

interface BatchNodeDetails {
  nodeIndex: number | null;
  isMainNode: boolean | null;
}

/** GraphQL type `BatchEcsContainer` (TaskContainerDetails). */
export interface BatchEcsContainer {
  name: string | null;
  image: string | null;
  command: string[];
  environment: BatchEnvironmentVariable[];
  secrets: BatchSecret[];
  essential: boolean | null;
  user: string | null;
  privileged: boolean | null;
  readonlyRootFilesystem: boolean | null;
  resourceRequirements: BatchResourceRequirement[];
  exitCode: number | null;
  reason: string | null;
  logStreamName: string | null;
  networkInterfaces: BatchNetworkInterface[];
}

export interface BatchEcsTask {
  containers: BatchEcsContainer[];
  containerInstanceArn: string | null;
  taskArn: string | null;
  executionRoleArn: string | null;
  taskRoleArn: string | null;
  platformVersion: string | null;
  ipcMode: string | null;
  pidMode: string | null;
  assignPublicIp: string | null;
  ephemeralStorageGiB: number | null;
  enableExecuteCommand: boolean | null;
}

export interface BatchEksContainer {
  name: string | null;
  image: string | null;
  imagePullPolicy: string | null;
  command: string[];
  args: string[];
  env: BatchEnvironmentVariable[];
  limits: KeyValue[];
  requests: KeyValue[];
  exitCode: number | null;
  reason: string | null;
}

export interface BatchEksPod {
  serviceAccountName: string | null;
  hostNetwork: boolean | null;
  dnsPolicy: string | null;
  podName: string | null;
  nodeName: string | null;
  namespace: string | null;
  labels: KeyValue[];
  annotations: KeyValue[];
  imagePullSecrets: string[];
  containers: BatchEksContainer[];
  initContainers: BatchEksContainer[];
}

export interface BatchEksAttemptContainer {
  name: string | null;
  containerId: string | null;
  exitCode: number | null;
  reason: string | null;
}

export interface BatchEksAttempt {
  containers: BatchEksAttemptContainer[];
  initContainers: BatchEksAttemptContainer[];
  eksClusterArn: string | null;
  podName: string | null;
  podNamespace: string | null;
  nodeName: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
  statusReason: string | null;
}

/** GraphQL type `BatchJob`: the Job fields plus what the Batch console shows of a job (JobDetail). */
export interface BatchJobRecord extends JobRecord {
  provider: 'AWS_BATCH';
  region: string;
  jobArn: string | null;
  jobName: string | null;
  jobQueue: string | null;
  status: BatchJobStatus | null;
  statusReason: string | null;
  shareIdentifier: string | null;
  schedulingPriority: number | null;
  startedAt: string | null;
  stoppedAt: string | null;
  jobDefinition: string | null;
  parameters: KeyValue[];
  dependsOn: BatchJobDependency[];
  retryStrategy: BatchRetryStrategy | null;
  attemptDurationSeconds: number | null;
  attempts: BatchAttempt[];
  tags: KeyValue[];
  propagateTags: boolean | null;
  platformCapabilities: string[];
  isCancelled: boolean | null;
  isTerminated: boolean | null;
  container: BatchContainer | null;
  arrayProperties: BatchArrayProperties | null;
  nodeProperties: BatchNodeProperties | null;
  nodeDetails: BatchNodeDetails | null;
  ecsTasks: BatchEcsTask[];
  eksPod: BatchEksPod | null;
  eksAttempts: BatchEksAttempt[];
}
