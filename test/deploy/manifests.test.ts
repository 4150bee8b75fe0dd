import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  DEFAULT_DATA_DIR,
  JOBGRAPH_VARIABLES,
  loadConfig,
  unknownVariableWarnings,
} from '../../src/config/index.ts';
import * as emulatorsModule from '../../src/emulators/index.ts';
import {
  DEFAULT_EMULATOR_PORT_BASE,
  EMULATOR_PORT_OFFSETS,
  emulatorEnvironment,
  type EmulatorSet,
} from '../../src/emulators/index.ts';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { envPairs, parseDockerfile } from './support/dockerfile.ts';
import { shippedReplicaNames } from './support/nginx.ts';

// The deployment kit's manifests, parsed and checked for what makes a deployment work or fail.
// Nothing here runs them: no container runtime or cluster runs where the tests run. The
// kustomization's resources are read as kustomize would list them and checked against
// Kubernetes' own schema (kubernetes-models: the API's OpenAPI schema as JSON-schema validators,
// offline); where kubectl is installed, `kubectl kustomize` renders them too.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const K8S = join(DEPLOY, 'kubernetes');
const read = (path: string) => readFileSync(path, 'utf8');

type Json = Record<string, any>;

/** The Kubernetes resources the sizing table derives (`npm run bench:sizing`). */
const SIZING = JSON.parse(read(join(ROOT, 'bench', 'sizing.json'))) as {
  kubernetes: { requests: { cpu: string; memory: string }; limits: { memory: string } };
};

/** The runtime stage of the Dockerfile: its ENV, USER and WORKDIR. */
const RUNTIME = (() => {
  const stage = parseDockerfile(read(join(ROOT, 'Dockerfile'))).at(-1);
  if (!stage) throw new Error('Dockerfile has no stage');
  const env: Record<string, string> = {};
  let user = '';
  let workdir = '';
  for (const ins of stage.instructions) {
    if (ins.keyword === 'ENV') for (const [k, v] of envPairs(ins.args)) env[k] = v;
    if (ins.keyword === 'USER') user = ins.args;
    if (ins.keyword === 'WORKDIR') workdir = ins.args;
  }
  return { env, uid: Number(user.split(':')[0]), workdir, port: Number(env.PORT) };
})();

/** Seconds in a compose duration ("20s", "1m30s"). */
function seconds(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'];
  return total;
}

/** Whether `labels` has every pair of `selector`. */
const selects = (selector: Json, labels: Json) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** The ACL rules of each `--user` in a redis-server command line: the user's name, then its rules. */
function aclRules(args: readonly string[]): Record<string, string[]> {
  const rules: Record<string, string[]> = {};
  args.forEach((arg, i) => {
    if (arg !== '--user') return;
    const end = args.findIndex((a, j) => j > i && a.startsWith('--'));
    const [name, ...list] = args.slice(i + 1, end < 0 ? undefined : end);
    if (name) rules[name] = list;
  });
  return rules;
}

/** The schema's complaints about one manifest (kubernetes-models: the OpenAPI schema of Kubernetes' own types), none when it passes. */
function validationErrors(doc: Json): string[] {
  const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!model) return [`no schema for ${doc.apiVersion}/${doc.kind}`];
  try {
    new model(doc as never).validate();
    return [];
  } catch (err) {
    return [String((err as Error).message)];
  }
}

/** kubectl (with its kustomize), where installed; none of Debian's packages has it. */
const kubectl =
  spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).status === 0 || undefined;
if (!kubectl)
  console.warn(
    'kubectl is missing: the `kubectl kustomize` rendering test is SKIPPED (the manifests are still read and schema-checked file by file).',
  );

/** `kubectl kustomize dir`, parsed. */
function renderKustomize(dir: string): Json[] {
  const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${out.stderr}`);
  return parseAllDocuments(out.stdout).map((d) => d.toJS() as Json);
}

/** The validator of each kind the kit uses. */
const MODELS: Record<string, new (doc: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/** The ACL rules of the Kubernetes Redis (the compose file's must be the same). */
const k8sRedisRules = aclRules(
  (parseAllDocuments(read(join(K8S, 'redis.yaml')))[0]?.toJS() as Json).spec.template.spec
    .containers[0].args as string[],
);

/** Names that hold a secret: never given a literal value in a manifest. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|_KEY$/;

/** Stand-ins for the four secrets, made as the kit says to make them (`openssl rand`). */
const FILLED_SECRETS: Record<string, string> = {
  JOBGRAPH_JWT_SECRET: randomBytes(48).toString('base64'),
  JOBGRAPH_CURSOR_SECRET: randomBytes(48).toString('base64'),
  JOBGRAPH_CLUSTER_SECRET: randomBytes(48).toString('base64'),
  REDIS_PASSWORD: randomBytes(32).toString('hex'),
};

/**
 * The settings a file shows commented out, `# NAME: value` (YAML) or `# NAME=value` (an env
 * file), as they read uncommented: a line of prose is not one.
 */
function commentedSettings(text: string, separator: ':' | '='): Record<string, string> {
  const line =
    separator === ':'
      ? /^\s*#\s*([A-Z][A-Z0-9_]*):\s*(.*)$/gm
      : /^\s*#\s*([A-Z][A-Z0-9_]*)=(\S*)$/gm;
  const found: Record<string, string> = {};
  for (const [, name, value] of text.matchAll(line))
    found[name as string] =
      separator === ':' ? String(parse(value as string) ?? '') : (value as string);
  return found;
}

describe('The Kubernetes manifests (deploy/kubernetes)', () => {
  const kustomization = parse(read(join(K8S, 'kustomization.yaml'))) as Json;
  const resources = kustomization.resources as string[];
  const docs: Json[] = resources.flatMap((file) =>
    parseAllDocuments(read(join(K8S, file))).map((d) => d.toJS() as Json),
  );
  const one = (kind: string, name: string): Json => {
    const found = docs.filter((d) => d.kind === kind && d.metadata?.name === name);
    expect(found, `${kind}/${name}`).toHaveLength(1);
    return found[0] as Json;
  };
  const deployment = one('Deployment', 'jobgraph');
  const pod = deployment.spec.template as Json;
  const container = (pod.spec.containers as Json[]).find((c) => c.name === 'jobgraph') as Json;
  const configMap = one('ConfigMap', 'jobgraph-config');
  const service = one('Service', 'jobgraph');
  const secretExample = parseAllDocuments(
    read(join(K8S, 'secret.example.yaml')),
  )[0]?.toJS() as Json;
  const graceMs = Number(configMap.data.JOBGRAPH_SHUTDOWN_GRACE_MS ?? 10000);
  const configMapText = read(join(K8S, 'configmap.yaml'));
  /** What a pod's jobgraph reads: the ConfigMap and `extra`, then the env entries, the Secret's four keys filled in and `$(NAME)` put in as Kubernetes does. */
  const podEnv = (extra: Record<string, string> = {}): Record<string, string> => {
    const env: Record<string, string> = { ...configMap.data, ...extra };
    for (const e of container.env as Json[])
      env[e.name] = e.valueFrom
        ? // An optional key the Secret lacks leaves the variable unset (or as `extra` gives it).
          ((FILLED_SECRETS[e.valueFrom.secretKeyRef.key] ?? env[e.name]) as string)
        : (e.value as string).replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? '');
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    return env;
  };

  it('lists resources that exist, and not the example Secret', () => {
    for (const file of resources) expect(existsSync(join(K8S, file)), file).toBe(true);
    expect(resources).not.toContain('secret.example.yaml');
    expect(secretExample.kind).toBe('Secret');
  });

  it('runs 3 replicas of the image the kustomization names, on the port the image listens on', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(selects(deployment.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect((kustomization.images as Json[]).map((i) => i.name)).toContain(container.image);
    expect(container.ports).toEqual([{ name: 'http', containerPort: RUNTIME.port }]);
    expect(RUNTIME.port).toBe(4000);
  });

  it('probes readiness on /readyz and liveness (and start-up) on /healthz, on the container’s port', () => {
    const port = (probe: Json) => probe.httpGet.port;
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.startupProbe.httpGet.path).toBe('/healthz');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe])
      expect([RUNTIME.port, 'http']).toContain(port(probe));
  });

  it('gives a stopping pod longer than its preStop sleep, the drain and jobgraph’s own 5 s guard', () => {
    const command = container.lifecycle.preStop.exec.command as string[];
    expect(command[0]).toBe('sleep');
    const preStop = Number(command[1]);
    expect(preStop).toBeGreaterThanOrEqual(5);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStop + graceMs / 1000 + 5);
  });

  it('takes the four secrets from the Secret by name (secretKeyRef), every other key of it too (envFrom), and no secret as a literal', () => {
    const env = container.env as Json[];
    for (const name of Object.keys(FILLED_SECRETS)) {
      const entry = env.find((e) => e.name === name) as Json;
      expect(entry.value, name).toBeUndefined();
      expect(entry.valueFrom.secretKeyRef).toEqual({
        name: secretExample.metadata.name,
        key: name,
      });
      expect(Object.keys(secretExample.stringData)).toContain(name);
    }
    expect(env.filter((e) => SECRET_NAME.test(e.name) && e.value !== undefined)).toEqual([]);
    expect(Object.keys(configMap.data).filter((k) => SECRET_NAME.test(k))).toEqual([]);
    // Cloud keys put in the Secret reach jobgraph under their own names (as the docs say).
    expect(container.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata.name } },
      { secretRef: { name: secretExample.metadata.name } },
    ]);
    expect(Object.keys(secretExample.stringData).sort()).toEqual(
      Object.keys(FILLED_SECRETS).sort(),
    );
    expect(Object.keys(commentedSettings(read(join(K8S, 'secret.example.yaml')), ':'))).toEqual(
      expect.arrayContaining(['TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY']),
    );
    // A Redis URL carries its password only by reference to an env entry from the Secret.
    expect(configMap.data.JOBGRAPH_CACHE_URL).toBeUndefined();
    for (const e of env.filter((e) => typeof e.value === 'string' && /\/\/[^/]*@/.test(e.value)))
      expect(new URL(e.value).password, e.name).toMatch(/^\$\(\w+\)$/);
    // The example holds placeholders, not keys.
    for (const value of Object.values(secretExample.stringData as Record<string, string>))
      expect(value).toMatch(/^<.*>$/);
  });

  it('names only variables jobgraph knows, the commented examples’ too', () => {
    const names = [
      ...Object.keys(configMap.data),
      ...Object.keys(commentedSettings(configMapText, ':')),
      ...(container.env as Json[]).map((e) => e.name as string),
    ].filter((n) => n.startsWith('JOBGRAPH_'));
    expect(names.length).toBeGreaterThan(2);
    expect(names.filter((n) => !JOBGRAPH_VARIABLES.includes(n))).toEqual([]);
    // Docker-link variables of a Service named jobgraph would be JOBGRAPH_PORT, JOBGRAPH_SERVICE_HOST…
    expect(pod.spec.enableServiceLinks).toBe(false);
  });

  it('loads with jobgraph’s own configuration reader as written, and with the commented examples uncommented (all, or the accounts or the queues alone)', () => {
    const examples = commentedSettings(configMapText, ':');
    // The lines an operator turns on for a real account: the region is set, the others shown.
    expect(configMap.data.AWS_REGION).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    for (const name of [
      'JOBGRAPH_AWS_ACCOUNTS',
      'JOBGRAPH_EVENT_QUEUES',
      'COS_UIN',
      'COS_APPID',
      'JOBGRAPH_JWKS_URL',
    ])
      expect(examples, name).toHaveProperty(name);
    const load = (extra: Record<string, string>) => () =>
      loadConfig({ mode: 'live' }, podEnv(extra));
    expect(load({})).not.toThrow();
    expect(load(examples)).not.toThrow();
    // Each alone, as someone uncommenting one line does: the queue line names no alias that needs
    // the accounts line.
    for (const name of ['JOBGRAPH_EVENT_QUEUES', 'JOBGRAPH_AWS_ACCOUNTS'])
      expect(load({ [name]: examples[name] as string }), name).not.toThrow();
    const config = loadConfig({ mode: 'live' }, podEnv(examples));
    expect(config.events.queues?.length).toBeGreaterThan(0);
    expect(config.awsAccounts.length).toBeGreaterThan(0);
    // The reader refuses what a pod would exit 1 on: an alias no account stands behind.
    expect(
      load({ JOBGRAPH_EVENT_QUEUES: `nope=${examples.JOBGRAPH_EVENT_QUEUES as string}` }),
    ).toThrow(/JOBGRAPH_EVENT_QUEUES/);
  });

  it('hands the replicas a shared PostgreSQL history store from the Secret, an optional key its example shows commented', () => {
    const entry = (container.env as Json[]).find((e) => e.name === 'JOBGRAPH_HISTORY_URL') as Json;
    expect(entry.valueFrom.secretKeyRef).toEqual({
      name: secretExample.metadata.name,
      key: 'JOBGRAPH_HISTORY_URL',
      optional: true,
    });
    const example = commentedSettings(read(join(K8S, 'secret.example.yaml')), ':')
      .JOBGRAPH_HISTORY_URL as string;
    expect(example).toMatch(/^postgres:\/\/[^:]+:<password>@/);
    const shared = loadConfig({ mode: 'live' }, podEnv({ JOBGRAPH_HISTORY_URL: example }));
    expect(shared.history.store).toEqual({ kind: 'postgres', url: example });
    // Without the key: the default file, which the read-only root file system cannot hold.
    expect(loadConfig({ mode: 'live' }, podEnv()).history.store).toMatchObject({
      kind: 'sqlite',
      implicit: true,
    });
  });

  it('runs as its own ServiceAccount, for EKS Pod Identity or IRSA, without the Kubernetes API token', () => {
    const account = one('ServiceAccount', 'jobgraph');
    expect(pod.spec.serviceAccountName).toBe(account.metadata.name);
    expect(account.automountServiceAccountToken).toBe(false);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    // No role of the example's own: Pod Identity needs no annotation; IRSA's is shown, commented.
    expect(account.metadata.annotations).toBeUndefined();
    const text = read(join(K8S, 'serviceaccount.yaml'));
    expect(text).toMatch(/^\s*#\s*eks\.amazonaws\.com\/role-arn: arn:aws:iam::\d{12}:role\/\S+$/m);
    expect(text).toContain('create-pod-identity-association');
    expect(
      parse(text.replace(/^(\s*)# ((annotations:|\s+eks\.amazonaws\.com).*)$/gm, '$1$2')).metadata
        .annotations,
    ).toEqual({ 'eks.amazonaws.com/role-arn': expect.stringMatching(/^arn:aws:iam::/) });
  });

  it('runs as the image’s non-root user, read-only, with no privilege to gain', () => {
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: RUNTIME.uid });
    expect(RUNTIME.uid).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    // The requests and the memory limit are the sizing table's (bench/SIZING.md, derived by
    // bench/sizing.ts from the replica it measured); no CPU limit.
    expect(container.resources).toEqual(SIZING.kubernetes);
    expect(container.resources.limits.cpu).toBeUndefined();
  });

  it('selects the jobgraph pods, and only them, in the Service and the PodDisruptionBudget', () => {
    const redisPods = one('StatefulSet', 'redis').spec.template.metadata.labels as Json;
    expect(selects(service.spec.selector, pod.metadata.labels)).toBe(true);
    expect(selects(service.spec.selector, redisPods)).toBe(false);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
    const pdb = one('PodDisruptionBudget', 'jobgraph');
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(pdb.spec.maxUnavailable).toBeLessThan(deployment.spec.replicas);
  });

  it('routes /graphql and /console through an Ingress that streams: no buffering, hour-long timeouts, 2 MiB bodies', () => {
    const ingress = one('Ingress', 'jobgraph');
    const a = ingress.metadata.annotations as Record<string, string>;
    expect(a['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(
      3600,
    );
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(
      3600,
    );
    expect(a['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('2m');
    expect(a['nginx.org/proxy-buffering']).toBe('False');
    expect(a['nginx.org/websocket-services']).toBe(service.metadata.name);
    const paths = (ingress.spec.rules as Json[]).flatMap((r) => r.http.paths as Json[]);
    expect(paths.map((p) => p.path)).toEqual(['/graphql', '/console']);
    // Tokens over TLS only: every host has its certificate, and plain HTTP is redirected by
    // either controller, never answered.
    const hosts = (ingress.spec.rules as Json[]).map((r) => r.host as string);
    expect(ingress.spec.tls).toEqual([{ hosts, secretName: expect.any(String) }]);
    expect(a['nginx.ingress.kubernetes.io/ssl-redirect']).toBe('true');
    expect(a['nginx.ingress.kubernetes.io/force-ssl-redirect']).toBe('true');
    expect(a['ingress.kubernetes.io/ssl-redirect']).toBe('true');
    for (const p of paths)
      expect(p.backend.service).toEqual({ name: service.metadata.name, port: { name: 'http' } });
  });

  it('points JOBGRAPH_CACHE_URL at the Redis Service as its ACL user, the password from the Secret', () => {
    const env = container.env as Json[];
    const redis = one('Service', 'redis');
    const at = (name: string) => env.findIndex((e) => e.name === name);
    const url = new URL(env[at('JOBGRAPH_CACHE_URL')]?.value as string);
    expect([url.protocol, url.hostname, Number(url.port)]).toEqual([
      'redis:',
      redis.metadata.name,
      redis.spec.ports[0].port,
    ]);
    expect([url.username, decodeURIComponent(url.password)]).toEqual([
      'jobgraph',
      '$(REDIS_PASSWORD)',
    ]);
    // Kubernetes puts in $(NAME) only of an entry defined before it.
    expect(at('REDIS_PASSWORD')).toBeGreaterThanOrEqual(0);
    expect(at('REDIS_PASSWORD')).toBeLessThan(at('JOBGRAPH_CACHE_URL'));
    expect(env[at('REDIS_PASSWORD')]?.valueFrom.secretKeyRef).toEqual({
      name: secretExample.metadata.name,
      key: 'REDIS_PASSWORD',
    });
    expect(Object.keys(secretExample.stringData)).toContain('REDIS_PASSWORD');
    const statefulSet = one('StatefulSet', 'redis');
    expect(selects(redis.spec.selector, statefulSet.spec.template.metadata.labels)).toBe(true);
  });

  it('runs one Redis that cannot run twice (a StatefulSet of one), open to its ACL user only', () => {
    expect(docs.filter((d) => d.kind === 'Deployment' && d.metadata.name === 'redis')).toEqual([]);
    const statefulSet = one('StatefulSet', 'redis');
    expect(statefulSet.spec.replicas).toBe(1);
    const redis = statefulSet.spec.template.spec.containers[0] as Json;
    expect(aclRules(redis.args as string[])).toEqual({
      default: ['off'],
      jobgraph: ['on', '>$(REDIS_PASSWORD)', '~*', '&*', '+@all', '-@dangerous'],
    });
    for (const name of ['REDIS_PASSWORD', 'REDISCLI_AUTH'])
      expect((redis.env as Json[]).find((e) => e.name === name)?.valueFrom.secretKeyRef).toEqual({
        name: secretExample.metadata.name,
        key: 'REDIS_PASSWORD',
      });
    expect(redis.readinessProbe.exec.command.join(' ')).toContain('redis-cli --user jobgraph ping');
  });

  it('lets in only the ingress controller on :4000, and lets out only Redis, DNS, HTTPS and EKS Pod Identity’s agent: not instance metadata', () => {
    const policy = one('NetworkPolicy', 'jobgraph');
    expect(selects(policy.spec.podSelector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toHaveLength(1);
    const [ingress] = policy.spec.ingress as Json[];
    expect(ingress?.ports).toEqual([{ protocol: 'TCP', port: RUNTIME.port }]);
    expect(ingress?.from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': expect.any(String) } } },
    ]);
    const egress = policy.spec.egress as Json[];
    const ports = (rule: Json) => (rule.ports as Json[]).map((p) => `${p.protocol}/${p.port}`);
    const redisPods = one('StatefulSet', 'redis').spec.template.metadata.labels as Json;
    const toRedis = egress.find((r) =>
      r.to?.some((t: Json) => t.podSelector && selects(t.podSelector.matchLabels, redisPods)),
    );
    expect(toRedis && ports(toRedis)).toEqual(['TCP/6379']);
    const toDns = egress.find((r) =>
      r.to?.some((t: Json) => t.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns'),
    );
    expect(toDns && ports(toDns).sort()).toEqual(['TCP/53', 'UDP/53']);
    const anywhere = egress.filter((r) => r.to === undefined);
    expect(anywhere.map(ports)).toEqual([['TCP/443']]);
    // EKS Pod Identity's agent, the pods' own role, on port 80 and on both address families.
    const toBlocks = (...cidrs: string[]) =>
      egress.find((r) => cidrs.every((c) => r.to?.some((t: Json) => t.ipBlock?.cidr === c)));
    const podIdentity = toBlocks('169.254.170.23/32', 'fd00:ec2::23/128');
    expect(podIdentity && ports(podIdentity)).toEqual(['TCP/80']);
    expect(podIdentity?.to).toHaveLength(2);
    expect(egress).toHaveLength(4);
    // Not EC2 instance metadata, which hands any pod the node's role (components/imds only), and
    // the SDK does not ask there either.
    const cidrs = egress.flatMap((r) => (r.to ?? []).map((t: Json) => t.ipBlock?.cidr as string));
    expect(cidrs.filter((c) => /^(169\.254\.169\.254|fd00:ec2::254)\//.test(c ?? ''))).toEqual([]);
    expect(configMap.data.AWS_EC2_METADATA_DISABLED).toBe('true');
    // OTLP/HTTP is not let out unless tracing is configured (components/tracing).
    expect(egress.flatMap(ports)).not.toContain('TCP/4318');
    // Each rule says what it serves, in the file's own comments.
    const text = read(join(K8S, 'networkpolicy.yaml'));
    for (const words of ['EKS Pod Identity', 'instance metadata', 'IRSA', 'components/imds'])
      expect(text).toContain(words);
    // Redis takes connections from jobgraph's pods only.
    const redisPolicy = one('NetworkPolicy', 'redis');
    expect(selects(redisPolicy.spec.podSelector.matchLabels, redisPods)).toBe(true);
    expect(redisPolicy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: deployment.spec.selector.matchLabels } }],
        ports: [{ protocol: 'TCP', port: 6379 }],
      },
    ]);
  });

  it('spreads the replicas over zones and nodes, and puts everything in its Namespace', () => {
    const spread = pod.spec.topologySpreadConstraints as Json[];
    expect(spread.map((c) => c.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
    for (const c of spread) {
      expect(c.maxSkew).toBe(1);
      expect(selects(c.labelSelector.matchLabels, pod.metadata.labels)).toBe(true);
    }
    const namespace = one('Namespace', kustomization.namespace as string);
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('offers CPU autoscaling as a component, not applied by default, that leaves the replica count to it', () => {
    expect(kustomization.components).toBeUndefined();
    const component = parse(read(join(K8S, 'components', 'hpa', 'kustomization.yaml'))) as Json;
    expect(component.kind).toBe('Component');
    const hpa = parse(read(join(K8S, 'components', 'hpa', component.resources[0]))) as Json;
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'jobgraph',
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(deployment.spec.replicas);
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    expect(container.resources.requests.cpu).toBeDefined();
    expect(validationErrors(hpa)).toEqual([]);
  });

  /**
   * An optional component under components/`name`, off by default: its kustomization and the
   * egress NetworkPolicy it adds for jobgraph's pods (checked here: kind, selector, type).
   */
  function egressComponent(name: string): { component: Json; policy: Json | undefined } {
    expect(kustomization.components).toBeUndefined();
    const dir = join(K8S, 'components', name);
    const component = parse(read(join(dir, 'kustomization.yaml'))) as Json;
    expect(component.kind).toBe('Component');
    const [policy] = (component.resources as string[]).flatMap((file) =>
      parseAllDocuments(read(join(dir, file))).map((d) => d.toJS() as Json),
    );
    expect(policy?.kind).toBe('NetworkPolicy');
    expect(selects(policy?.spec.podSelector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(policy?.spec.policyTypes).toEqual(['Egress']);
    return { component, policy };
  }

  it('lets OTLP/HTTP out (4318) only with the tracing component, which also names the collector', () => {
    const { component, policy } = egressComponent('tracing');
    expect(policy?.spec.egress).toEqual([{ ports: [{ protocol: 'TCP', port: 4318 }] }]);
    expect(validationErrors(policy as Json)).toEqual([]);
    // The collector's endpoint goes in the ConfigMap, as an OTLP/HTTP URL on that port.
    const patch = parse((component.patches as Json[])[0]?.patch as string) as Json[];
    expect(patch).toEqual([
      {
        op: 'add',
        path: '/data/OTEL_EXPORTER_OTLP_ENDPOINT',
        value: expect.stringMatching(/^http:\/\/[^/]+:4318$/),
      },
    ]);
    expect((component.patches as Json[])[0]?.target).toEqual({
      kind: 'ConfigMap',
      name: configMap.metadata.name,
    });
  });

  it('lets instance metadata out only with the imds component, which also lets the SDK ask there again', () => {
    const { component, policy } = egressComponent('imds');
    expect(policy?.spec.egress).toEqual([
      {
        to: [
          { ipBlock: { cidr: '169.254.169.254/32' } },
          { ipBlock: { cidr: 'fd00:ec2::254/128' } },
        ],
        ports: [{ protocol: 'TCP', port: 80 }],
      },
    ]);
    expect(validationErrors(policy as Json)).toEqual([]);
    const patch = parse((component.patches as Json[])[0]?.patch as string) as Json[];
    expect(patch).toEqual([{ op: 'remove', path: '/data/AWS_EC2_METADATA_DISABLED' }]);
    expect((component.patches as Json[])[0]?.target).toEqual({
      kind: 'ConfigMap',
      name: configMap.metadata.name,
    });
  });

  it('passes the Kubernetes schema (kubernetes-models), the example Secret too', () => {
    for (const doc of [...docs, secretExample])
      expect(validationErrors(doc), `${doc.kind}/${doc.metadata?.name}`).toEqual([]);
    // The validator refuses what the API server would.
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(validationErrors(broken)).not.toEqual([]);
  });

  it.skipIf(!kubectl)(
    'renders with `kubectl kustomize` (with and without the HPA, tracing and imds components) into what passes the schema',
    async () => {
      const rendered = renderKustomize(K8S);
      expect(rendered.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(
        docs.map((d) => `${d.kind}/${d.metadata.name}`).sort(),
      );
      for (const doc of rendered) {
        expect(validationErrors(doc), `${doc.kind}/${doc.metadata?.name}`).toEqual([]);
        if (doc.kind !== 'Namespace') expect(doc.metadata.namespace).toBe(kustomization.namespace);
      }
      // By default no pod may reach instance metadata, nor does the SDK ask there.
      expect(JSON.stringify(rendered)).not.toMatch(/169\.254\.169\.254|fd00:ec2::254/);
      const renderedConfig = rendered.find((d) => d.kind === 'ConfigMap') as Json;
      expect(renderedConfig.data.AWS_EC2_METADATA_DISABLED).toBe('true');
      // The component as its comment says to add it: in a copy of the kustomization.
      const copy = await mkdtemp(join(tmpdir(), 'jobgraph-k8s-'));
      try {
        await cp(K8S, copy, { recursive: true });
        const file = join(copy, 'kustomization.yaml');
        const edit = (from: string, to: string) => writeFile(file, read(file).replace(from, to));
        await edit('# components:\n#   - components/hpa', 'components:\n  - components/hpa');
        const withHpa = renderKustomize(copy);
        const hpa = withHpa.find((d) => d.kind === 'HorizontalPodAutoscaler') as Json;
        expect(hpa.metadata.namespace).toBe(kustomization.namespace);
        expect(validationErrors(hpa)).toEqual([]);
        const scaled = withHpa.find(
          (d) => d.kind === 'Deployment' && d.metadata.name === 'jobgraph',
        ) as Json;
        expect(scaled.spec.replicas).toBeUndefined();
        // The tracing component beside it: its policy and the collector's endpoint, rendered.
        await edit(
          'components:\n  - components/hpa',
          'components:\n  - components/hpa\n  - components/tracing',
        );
        const traced = renderKustomize(copy);
        const otlp = traced.find(
          (d) => d.kind === 'NetworkPolicy' && d.metadata.name === 'jobgraph-otlp',
        ) as Json;
        expect(otlp.metadata.namespace).toBe(kustomization.namespace);
        expect(validationErrors(otlp)).toEqual([]);
        const config = traced.find((d) => d.kind === 'ConfigMap') as Json;
        expect(config.data.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/:4318$/);
        expect(config.data.JOBGRAPH_SHUTDOWN_GRACE_MS).toBe(
          configMap.data.JOBGRAPH_SHUTDOWN_GRACE_MS,
        );
        // And instance metadata, the opt-in: its policy, and the SDK allowed to ask there.
        await edit('  - components/tracing', '  - components/tracing\n  - components/imds');
        const withImds = renderKustomize(copy);
        const imds = withImds.find(
          (d) => d.kind === 'NetworkPolicy' && d.metadata.name === 'jobgraph-imds',
        ) as Json;
        expect(imds.metadata.namespace).toBe(kustomization.namespace);
        expect(validationErrors(imds)).toEqual([]);
        expect(JSON.stringify(imds.spec.egress)).toContain('169.254.169.254/32');
        const imdsConfig = withImds.find((d) => d.kind === 'ConfigMap') as Json;
        expect(imdsConfig.data.AWS_EC2_METADATA_DISABLED).toBeUndefined();
        expect(imdsConfig.data.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/:4318$/);
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    },
  );
});

/** The `NAME=value` lines of an env file, as compose reads them (comments and blank lines skipped). */
function envFileSettings(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [, name, value] of text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm))
    found[name as string] = value as string;
  return found;
}

/** `${NAME}`, `${NAME:?message}` and `${NAME:-default}` put in from `vars`, as compose interpolates. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (_, name: string, op?: string, rest?: string) => {
      const set = vars[name];
      if (set) return set;
      if (op === '?') throw new Error(`compose would stop: ${rest}`);
      return op === '-' ? (rest ?? '') : '';
    },
  );
}

describe('The compose file (deploy/compose.yaml), its demo override (deploy/compose.emulators.yaml) and its nginx', () => {
  const base = parse(read(join(DEPLOY, 'compose.yaml')), { merge: true }) as Json;
  const override = parse(read(join(DEPLOY, 'compose.emulators.yaml')), { merge: true }) as Json;
  const baseServices = base.services as Record<string, Json>;
  const overrideServices = override.services as Record<string, Json>;
  /**
   * The demo: the two files as `docker compose -f compose.yaml -f compose.emulators.yaml` merges
   * them, a service's environment and depends_on key by key (the override's winning), its other
   * fields replaced.
   */
  const services: Record<string, Json> = structuredClone(baseServices);
  for (const [name, over] of Object.entries(overrideServices)) {
    const under = services[name] ?? {};
    const merged: Json = { ...under, ...over };
    for (const key of ['environment', 'depends_on'])
      if (under[key] || over[key]) merged[key] = { ...under[key], ...over[key] };
    services[name] = merged;
  }
  const replicas = ['jobgraph-1', 'jobgraph-2', 'jobgraph-3'];
  const envOf = (name: string) => services[name]?.environment as Record<string, string>;
  const envExample = read(join(DEPLOY, '.env.example'));
  /**
   * What a replica of compose.yaml alone reads: deploy/.env (the example with the four secrets
   * filled in, and `extra`) under its own environment, interpolated from the same file.
   */
  const replicaEnv = (extra: Record<string, string> = {}): Record<string, string> => {
    const dotEnv = { ...envFileSettings(envExample), ...FILLED_SECRETS, ...extra };
    const own = baseServices['jobgraph-1']?.environment as Record<string, string>;
    return {
      ...dotEnv,
      ...Object.fromEntries(Object.entries(own).map(([k, v]) => [k, interpolate(v, dotEnv)])),
    };
  };

  it('runs Redis, three jobgraph replicas and nginx, and the emulators only with the demo override, each with a healthcheck', () => {
    expect(Object.keys(baseServices).sort()).toEqual(['nginx', 'redis', ...replicas].sort());
    expect(Object.keys(overrideServices).sort()).toEqual(['emulators', ...replicas].sort());
    expect(Object.keys(services).sort()).toEqual(
      ['emulators', 'nginx', 'redis', ...replicas].sort(),
    );
    // Each a list of strings: an unquoted `a ? b : c` in YAML would be a mapping, not a string.
    for (const [name, s] of Object.entries(services)) {
      expect(s.healthcheck?.test, name).toEqual(expect.any(Array));
      for (const list of [s.healthcheck.test, s.command ?? []] as unknown[][])
        expect(
          list.every((part) => typeof part === 'string'),
          name,
        ).toBe(true);
    }
    for (const name of replicas) {
      expect(services[name]?.build).toEqual({ context: '..', dockerfile: 'Dockerfile' });
      expect(existsSync(join(DEPLOY, '..', 'Dockerfile'))).toBe(true);
      expect((services[name]?.healthcheck.test as string[]).join(' ')).toContain(
        `127.0.0.1:${RUNTIME.port}/readyz`,
      );
    }
  });

  it('takes the four secrets from deploy/.env or the shell, required, never literal', () => {
    for (const name of replicas)
      for (const secret of [
        'JOBGRAPH_JWT_SECRET',
        'JOBGRAPH_CURSOR_SECRET',
        'JOBGRAPH_CLUSTER_SECRET',
      ])
        expect(envOf(name)[secret]).toMatch(new RegExp(`^\\$\\{${secret}:\\?[^}]+\\}$`));
    for (const secret of Object.keys(FILLED_SECRETS))
      expect(envExample).toMatch(new RegExp(`^${secret}=$`, 'm'));
    expect(read(join(DEPLOY, '.gitignore'))).toMatch(/^\.env$/m);
    // Compose refuses to start without one.
    expect(() => replicaEnv({ JOBGRAPH_CLUSTER_SECRET: '' })).toThrow(/JOBGRAPH_CLUSTER_SECRET/);
  });

  it('gives every replica deploy/.env (env_file), where the real clouds’ settings go, and writes none of them itself', () => {
    for (const name of replicas) {
      expect([baseServices[name]?.env_file].flat()).toEqual(['.env']);
      // Nothing of a cloud account in compose.yaml: deleting nothing turns anything off.
      expect(
        Object.keys(baseServices[name]?.environment).filter((n) =>
          /^(AWS_|TENCENTCLOUD_|COS_|JOBGRAPH_(EVENT_QUEUES|AWS_ACCOUNTS|TENCENT_ACCOUNTS))/.test(
            n,
          ),
        ),
      ).toEqual([]);
      expect(Object.keys(baseServices[name]?.depends_on)).toEqual(['redis']);
    }
    // Only jobgraph's replicas read it: not Redis, nginx or the emulators.
    for (const [name, s] of Object.entries(services))
      if (!replicas.includes(name)) expect(s.env_file, name).toBeUndefined();
    // deploy/.env.example lists what a real account needs, set or shown commented.
    const listed = { ...envFileSettings(envExample), ...commentedSettings(envExample, '=') };
    for (const name of [
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_PROFILE',
      'JOBGRAPH_AWS_ACCOUNTS',
      'JOBGRAPH_EVENT_QUEUES',
      'TENCENTCLOUD_SECRET_ID',
      'TENCENTCLOUD_SECRET_KEY',
      'COS_UIN',
      'COS_APPID',
      ...Object.keys(FILLED_SECRETS),
    ])
      expect(listed, name).toHaveProperty(name);
    // Every JOBGRAPH_* name there is one jobgraph reads (a replica gets them all).
    expect(unknownVariableWarnings(listed)).toEqual([]);
  });

  it('starts a replica of compose.yaml alone on deploy/.env.example as written, and with its commented examples uncommented (all, or the accounts or the queue line alone)', () => {
    const examples = commentedSettings(envExample, '=');
    const load = (extra: Record<string, string>) => () =>
      loadConfig({ mode: 'live' }, replicaEnv(extra));
    expect(load({})).not.toThrow();
    expect(load(examples)).not.toThrow();
    for (const name of ['JOBGRAPH_EVENT_QUEUES', 'JOBGRAPH_AWS_ACCOUNTS'])
      expect(load({ [name]: examples[name] as string }), name).not.toThrow();
    const config = loadConfig({ mode: 'live' }, replicaEnv(examples));
    expect(config.events.queues?.map((q) => q.url)).toEqual([examples.JOBGRAPH_EVENT_QUEUES]);
    expect(config.awsAccounts.map((a) => a.alias)).toEqual(['prod']);
    expect(config.cache.url).toMatch(/^redis:\/\/jobgraph:[0-9a-f]{64}@redis:6379$/);
    // As written: no queue, and nothing points at an emulator.
    expect(loadConfig({ mode: 'live' }, replicaEnv()).events.queues).toBeNull();
    expect(Object.keys(replicaEnv(examples)).filter((n) => /ENDPOINT_URL/.test(n))).toEqual([]);
    expect(unknownVariableWarnings(replicaEnv(examples))).toEqual([]);
  });

  it('adds nothing but the emulators and their settings in the demo override, which win over deploy/.env', () => {
    for (const name of replicas) {
      expect(Object.keys(overrideServices[name] as Json).sort()).toEqual([
        'depends_on',
        'environment',
      ]);
      expect(overrideServices[name]?.depends_on).toEqual({
        emulators: { condition: 'service_healthy' },
      });
      // The merged replica waits for Redis and the emulators, and reads deploy/.env still.
      expect(Object.keys(services[name]?.depends_on).sort()).toEqual(['emulators', 'redis']);
      expect(services[name]?.env_file).toBe(baseServices[name]?.env_file);
    }
  });

  it('shares one Redis, names only variables jobgraph knows, and stops slower than jobgraph drains', () => {
    for (const name of replicas) {
      const env = envOf(name);
      // As Redis's ACL user, the password from deploy/.env (required), never literal.
      expect(env.JOBGRAPH_CACHE_URL).toMatch(
        /^redis:\/\/jobgraph:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/,
      );
      // As the replica's own start-up would say it: no JOBGRAPH_* name it does not know (those
      // named through JOBGRAPH_TENCENT_ACCOUNTS' prefix are its own).
      expect(Object.keys(env).some((n) => n.startsWith('JOBGRAPH_'))).toBe(true);
      expect(unknownVariableWarnings(env)).toEqual([]);
      const graceMs = Number(env.JOBGRAPH_SHUTDOWN_GRACE_MS ?? 10000);
      expect(seconds(services[name]?.stop_grace_period as string)).toBeGreaterThan(
        graceMs / 1000 + 5,
      );
      expect(services[name]?.depends_on?.redis).toEqual({ condition: 'service_healthy' });
    }
  });

  it('keeps each replica’s history in a named volume of its own on the data folder the image makes for its user', () => {
    const dataDir = join(RUNTIME.workdir, DEFAULT_DATA_DIR);
    const volumes = replicas.map((name) => {
      const mounts = services[name]?.volumes as string[];
      expect(mounts, name).toHaveLength(1);
      const [volume, target] = (mounts[0] as string).split(':');
      expect(target, name).toBe(dataDir);
      // A name, not a path: a named volume, declared at the top level.
      expect(volume, name).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
      expect(Object.keys(base.volumes as Json), name).toContain(volume);
      return volume;
    });
    expect(new Set(volumes).size).toBe(replicas.length);
    // The image makes the folder and gives it to its user before switching to it, so an empty
    // named volume mounted there is created with that owner.
    const runtime = parseDockerfile(read(join(ROOT, 'Dockerfile'))).at(-1)!.instructions;
    const made = runtime.findIndex(
      (ins) =>
        ins.keyword === 'RUN' &&
        ins.args ===
          `mkdir ${DEFAULT_DATA_DIR.replace('./', '')} && chown ${RUNTIME.uid}:${RUNTIME.uid} ${DEFAULT_DATA_DIR.replace('./', '')}`,
    );
    expect(made).toBeGreaterThan(-1);
    expect(made).toBeLessThan(runtime.findIndex((ins) => ins.keyword === 'USER'));
  });

  it('limits each replica’s memory as the sizing table says (as the Kubernetes limit)', () => {
    const limit = SIZING.kubernetes.limits.memory.replace(/Mi$/, 'm');
    for (const name of replicas)
      expect(services[name]?.deploy?.resources?.limits?.memory, name).toBe(limit);
  });

  it('points the replicas at the emulators service with the emulators’ own ports, demo credentials and second accounts', () => {
    const url = (name: keyof typeof EMULATOR_PORT_OFFSETS) => ({
      url: `http://emulators:${DEFAULT_EMULATOR_PORT_BASE + EMULATOR_PORT_OFFSETS[name]}`,
    });
    // Every emulator of the registry, and the second account of each cloud too: AWS by the
    // emulated STS, COS by its own keys.
    // The SQS emulator's too (AWS_ENDPOINT_URL_SQS, JOBGRAPH_EVENT_QUEUES): the replicas consume
    // the demo's job events.
    const names = Object.keys(EMULATOR_PORT_OFFSETS) as (keyof typeof EMULATOR_PORT_OFFSETS)[];
    const expected = emulatorEnvironment(
      Object.fromEntries(names.map((name) => [name, url(name)])) as unknown as EmulatorSet,
    );
    for (const name of replicas) expect(envOf(name)).toMatchObject(expected);
    // The emulators service starts them through the module `jobgraph emulators` uses, in the
    // image's WORKDIR, on every interface.
    const script = (services.emulators?.command as string[]).join(' ');
    expect(script).toContain(`import('${RUNTIME.workdir}/dist/emulators/index.js')`);
    for (const [, names] of script.matchAll(/const \{([^}]+)\} = await import/g))
      for (const n of (names as string).split(',').map((s) => s.trim()))
        expect(emulatorsModule, n).toHaveProperty(n);
    expect(script).toContain("host: '0.0.0.0'");
  });

  it('runs Redis with the default user off and jobgraph’s ACL user, the same rules as Kubernetes’', () => {
    const redis = services.redis as Json;
    const command = redis.command as string[];
    expect(command[0]).toBe('redis-server');
    const rules = aclRules(command);
    expect(rules.jobgraph?.[1]).toMatch(/^>\$\{REDIS_PASSWORD:\?[^}]+\}$/);
    expect({ ...rules, jobgraph: rules.jobgraph?.with(1, '>$(REDIS_PASSWORD)') }).toEqual(
      k8sRedisRules,
    );
    expect(redis.environment.REDISCLI_AUTH).toMatch(/^\$\{REDIS_PASSWORD:\?[^}]+\}$/);
    expect(redis.healthcheck.test).toEqual([
      'CMD-SHELL',
      'redis-cli --user jobgraph ping | grep -q PONG',
    ]);
  });

  it('publishes nginx on 127.0.0.1 unless NGINX_PUBLISH_ADDRESS says otherwise (a name the replicas, which read deploy/.env too, take for no setting of theirs)', () => {
    const listen = /^listen (\d+)/m.exec(read(join(DEPLOY, 'nginx', 'listen.conf')))?.[1];
    expect(services.nginx?.ports).toEqual([
      `\${NGINX_PUBLISH_ADDRESS:-127.0.0.1}:${listen}:${listen}`,
    ]);
    expect(commentedSettings(envExample, '=')).toHaveProperty('NGINX_PUBLISH_ADDRESS');
    // Nothing else is published.
    for (const [name, s] of Object.entries(services))
      if (name !== 'nginx') expect(s.ports, name).toBeUndefined();
  });

  it('mounts the kit’s main nginx.conf, deploy/nginx.conf in its http block, the resolver’s template and the replicas by the names compose gives them', () => {
    const nginx = services.nginx as Json;
    expect(nginx.volumes).toEqual([
      './nginx/main.conf:/etc/nginx/nginx.conf:ro',
      './nginx.conf:/etc/nginx/conf.d/default.conf:ro',
      './nginx/resolver.conf.template:/etc/nginx/templates/resolver.conf.template:ro',
      './nginx/replicas.conf:/etc/nginx/jobgraph/replicas.conf:ro',
      './nginx/listen.conf:/etc/nginx/jobgraph/listen.conf:ro',
    ]);
    for (const volume of nginx.volumes as string[])
      expect(existsSync(join(DEPLOY, volume.split(':')[0] as string)), volume).toBe(true);
    expect(read(join(DEPLOY, 'nginx', 'main.conf'))).toMatch(/^\s*include conf\.d\/\*\.conf;/m);
    const conf = read(join(DEPLOY, 'nginx.conf'));
    expect(conf).toMatch(/^\s*include jobgraph\/replicas\.conf;/m);
    expect(conf).toMatch(/^\s*include jobgraph\/listen\.conf;/m);
    // No name is resolved at start: no upstream block names a replica.
    expect(conf).not.toMatch(/^\s*upstream\s/m);
    // The image renders the template with the container's own nameservers.
    expect(nginx.environment).toEqual({ NGINX_ENTRYPOINT_LOCAL_RESOLVERS: '1' });
    expect(read(join(DEPLOY, 'nginx', 'resolver.conf.template'))).toMatch(
      /^resolver \$\{NGINX_LOCAL_RESOLVERS\} valid=5s ipv6=off;$/m,
    );
    // The names nginx looks up are the replicas' service names and the alias they share.
    const names = shippedReplicaNames();
    expect(names.replicas).toEqual(replicas);
    expect(names.port).toBe(RUNTIME.port);
    for (const r of replicas)
      expect(services[r]?.networks).toEqual({ default: { aliases: [names.pool] } });
    // Started after the replicas, not after they are healthy: it finds them at request time.
    for (const r of replicas) expect(nginx.depends_on[r]).toEqual({ condition: 'service_started' });
    // nginx raises its own descriptor limit (worker_rlimit_nofile, above worker_connections)
    // within the container's hard limit; compose sets no `ulimits`, which a rootless or sandboxed
    // daemon with a lower limit refuses at start (docs/deployment.md says how to raise it).
    const main = read(join(DEPLOY, 'nginx', 'main.conf'));
    const connections = Number(/worker_connections (\d+);/.exec(main)?.[1]);
    const rlimit = Number(/worker_rlimit_nofile (\d+);/.exec(main)?.[1]);
    expect(rlimit).toBeGreaterThan(connections);
    expect(nginx.ulimits).toBeUndefined();
    // An image whose entrypoint renders templates with NGINX_LOCAL_RESOLVERS (1.25.3 or newer).
    const [, major, minor] = /^nginx:(\d+)\.(\d+)/.exec(nginx.image as string) ?? [];
    expect(Number(major) * 1000 + Number(minor)).toBeGreaterThanOrEqual(1025);
  });
});

describe('The Dockerfile’s toolchain', () => {
  const dockerfile = read(join(ROOT, 'Dockerfile'));
  const docs = read(join(ROOT, 'docs', 'deployment.md'));

  it('pulls no Dockerfile frontend (no `# syntax=` line): what it uses is in BuildKit’s built-in one', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it('builds with the classic builder too (no RUN --mount, no heredoc), and says so: Docker 28 without buildx, podman/buildah with --format docker (else no HEALTHCHECK), Compose v2', () => {
    expect(dockerfile).not.toMatch(/^RUN\s+--mount=/m);
    expect(dockerfile).not.toMatch(/<<-?["']?[A-Z]+/);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    for (const said of [
      /classic builder/,
      /Docker 28/,
      /docker-buildx-plugin/,
      /--format docker/,
      /Compose v2/,
    ])
      expect(docs).toMatch(said);
  });
});
