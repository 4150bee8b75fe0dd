import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { loadConfig, type Config } from '../../../src/config/index.ts';
import { envPairs, parseDockerfile } from './dockerfile.ts';

// What the deployment kit's tests share (manifests.test.ts: Kubernetes; compose.test.ts: compose,
// its nginx and the Dockerfile): where the kit is, the runtime stage, the readers and checkers.

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEPLOY = join(ROOT, 'deploy');
export const K8S = join(DEPLOY, 'kubernetes');
export const read = (path: string) => readFileSync(path, 'utf8');

export type Json = Record<string, any>;

/** The Kubernetes resources the sizing table derives (deploy/sizing.json, copied from a run of `npm run bench:sizing`). */
export const SIZING = JSON.parse(read(join(DEPLOY, 'sizing.json'))) as {
  kubernetes: { requests: { cpu: string; memory: string }; limits: { memory: string } };
};

/** The runtime stage of the Dockerfile: its ENV, USER and WORKDIR. */
export const RUNTIME = (() => {
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
export function seconds(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'];
  return total;
}

/** Whether `labels` has every pair of `selector`. */
export const selects = (selector: Json, labels: Json) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** The ACL rules of each `--user` in a redis-server command line: the user's name, then its rules. */
export function aclRules(args: readonly string[]): Record<string, string[]> {
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
export function validationErrors(doc: Json): string[] {
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
export const kubectl =
  spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).status === 0 || undefined;
if (!kubectl)
  console.warn(
    'kubectl is missing: the `kubectl kustomize` rendering test is SKIPPED (the manifests are still read and schema-checked file by file).',
  );

/** `kubectl kustomize dir`, parsed. */
export function renderKustomize(dir: string): Json[] {
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
export const k8sRedisRules = aclRules(
  (parseAllDocuments(read(join(K8S, 'redis.yaml')))[0]?.toJS() as Json).spec.template.spec
    .containers[0].args as string[],
);

/** Names that hold a secret: never given a literal value in a manifest. */
export const SECRET_NAME = /SECRET|PASSWORD|TOKEN|_KEY$/;

/** Stand-ins for the secrets every replica shares, made as the kit says to make them (`openssl rand`). */
const FILLED_SECRETS: Record<string, string> = {
  JOBGRAPH_JWT_SECRET: randomBytes(48).toString('base64'),
  JOBGRAPH_CURSOR_SECRET: randomBytes(48).toString('base64'),
  JOBGRAPH_CLUSTER_SECRET: randomBytes(48).toString('base64'),
  JOBGRAPH_NOTIFY_SECRET: randomBytes(48).toString('base64'),
  REDIS_PASSWORD: randomBytes(32).toString('hex'),
};

/** The compose kit's secrets: the shared ones and the history's PostgreSQL password (deploy/.env.example). */
export const COMPOSE_SECRETS: Record<string, string> = {
  ...FILLED_SECRETS,
  POSTGRES_PASSWORD: randomBytes(32).toString('hex'),
};

/** The Kubernetes Secret's keys: the shared ones and the URL of the PostgreSQL the replicas share. */
export const K8S_SECRETS: Record<string, string> = {
  ...FILLED_SECRETS,
  JOBGRAPH_HISTORY_URL: `postgres://jobgraph:${randomBytes(32).toString('hex')}@history-db.internal:5432/jobgraph`,
};

/**
 * The settings a file shows commented out, `# NAME: value` (YAML) or `# NAME=value` (an env
 * file), as they read uncommented: a line of prose is not one.
 */
export function commentedSettings(text: string, separator: ':' | '='): Record<string, string> {
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

/** The `NAME=value` lines of an env file, as compose reads them (comments and blank lines skipped). */
export function envFileSettings(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [, name, value] of text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm))
    found[name as string] = value as string;
  return found;
}

/**
 * `${NAME}`, `${NAME:?message}`, `${NAME:-default}` and `${NAME-default}` put in from `vars`, as
 * compose interpolates: with the colon an empty value counts as unset, without it only an unset one.
 */
export function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\{(\w+)(?:(:?)([?-])([^}]*))?\}/g,
    (_, name: string, colon?: string, op?: string, rest?: string) => {
      const set = vars[name];
      if (set || (set !== undefined && op !== undefined && colon === '')) return set;
      if (op === '?') throw new Error(`compose would stop: ${rest}`);
      return op === '-' ? (rest ?? '') : '';
    },
  );
}

/**
 * What a pod's jobgraph reads: the ConfigMap and `extra`, then the container's env entries, the
 * Secret's keys filled in (K8S_SECRETS) and `$(NAME)` put in as Kubernetes does.
 */
export function podEnvOf(
  configMap: Json,
  container: Json,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = { ...configMap.data, ...extra };
  for (const e of container.env as Json[])
    env[e.name] = e.valueFrom
      ? // An optional key the Secret lacks leaves the variable unset (or as `extra` gives it).
        ((K8S_SECRETS[e.valueFrom.secretKeyRef.key] ?? env[e.name]) as string)
      : (e.value as string).replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? '');
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

/**
 * What a replica of compose.yaml alone reads: deploy/.env (`envExample` with the secrets filled in,
 * and `extra`) under the replica's own environment (`own`), interpolated from the same file.
 */
export function replicaEnvOf(
  own: Record<string, string>,
  envExample: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const dotEnv = { ...envFileSettings(envExample), ...COMPOSE_SECRETS, ...extra };
  return {
    ...dotEnv,
    ...Object.fromEntries(Object.entries(own).map(([k, v]) => [k, interpolate(v, dotEnv)])),
  };
}

/**
 * The variables that turn on what the demo shows and live mode leaves off (issue 106): every
 * place the kit names variables (compose, deploy/.env.example, the Kubernetes Secret and ConfigMap,
 * docs/deployment.md) names each.
 */
export const KIT_CAPABILITY_VARIABLES = [
  'JOBGRAPH_NOTIFY_SECRET',
  'JOBGRAPH_ACTIONS',
  'JOBGRAPH_PUBLIC_URL',
] as const;

/**
 * The live configuration a replica reads from `envOf(examples)` (an example file's commented
 * lines, uncommented), once it has loaded as written, with every example, and with the queue line
 * and the accounts line each alone, as someone uncommenting one line does: the queue line names
 * no alias that needs the accounts line.
 */
export function loadedWithExamples(
  envOf: (extra: Record<string, string>) => Record<string, string>,
  examples: Record<string, string>,
): Config {
  const load = (extra: Record<string, string>) => () => loadConfig({ mode: 'live' }, envOf(extra));
  expect(load({})).not.toThrow();
  expect(load(examples)).not.toThrow();
  for (const name of ['JOBGRAPH_EVENT_QUEUES', 'JOBGRAPH_AWS_ACCOUNTS'])
    expect(load({ [name]: examples[name] as string }), name).not.toThrow();
  return loadConfig({ mode: 'live' }, envOf(examples));
}
