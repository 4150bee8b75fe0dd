// The deployment kit turns on what the demo shows (issue 106, item 1): notifications (their key,
// made by the set-up step with the other secrets and shared by every replica), the actions on jobs,
// links under the URL users reach jobgraph by, and the log-reading permission. Every place the kit
// names variables names the same set, and a replica started on each kit, read with jobgraph's own
// configuration reader, has nothing off but job events (their queue is the operator's).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { capabilitiesOff } from '../../src/cli/capabilities.ts';
import { loadConfig } from '../../src/config/index.ts';
import {
  DEPLOY,
  K8S,
  KIT_CAPABILITY_VARIABLES,
  ROOT,
  commentedSettings,
  envFileSettings,
  interpolate,
  podEnvOf,
  read,
  replicaEnvOf,
  type Json,
} from './support/kit.ts';

const KIT = [...KIT_CAPABILITY_VARIABLES].sort();
const off = (env: Record<string, string>) =>
  capabilitiesOff(loadConfig({ mode: 'live' }, env)).map((c) => c.variable);
/** Which of the kit's capability variables `names` holds. */
const kitNamesIn = (names: Iterable<string>) =>
  [...new Set(names)].filter((n) => KIT.includes(n as (typeof KIT)[number])).sort();

const compose = parse(read(join(DEPLOY, 'compose.yaml')), { merge: true }) as Json;
const emulated = parse(read(join(DEPLOY, 'compose.emulators.yaml')), { merge: true }) as Json;
const replicaOwn = compose.services['jobgraph-1'].environment as Record<string, string>;
const envExample = read(join(DEPLOY, '.env.example'));
const replicaEnv = (extra: Record<string, string> = {}) =>
  replicaEnvOf(replicaOwn, envExample, extra);

const k8sDoc = (file: string) => parseAllDocuments(read(join(K8S, file)))[0]?.toJS() as Json;
const configMap = k8sDoc('configmap.yaml');
const secretExample = k8sDoc('secret.example.yaml');
const container = (k8sDoc('deployment.yaml').spec.template.spec.containers as Json[])[0] as Json;
const ingress = k8sDoc('ingress.yaml');
const podEnv = (extra: Record<string, string> = {}) => podEnvOf(configMap, container, extra);
const deploymentDoc = read(join(ROOT, 'docs', 'deployment.md'));

describe('The deployment kit turns on what the demo shows', () => {
  it('names the same variables for it in compose, deploy/.env.example, the Kubernetes Secret and ConfigMap, and docs/deployment.md', () => {
    expect(kitNamesIn(Object.keys(replicaOwn))).toEqual(KIT);
    const envFile = { ...envFileSettings(envExample), ...commentedSettings(envExample, '=') };
    expect(kitNamesIn(Object.keys(envFile))).toEqual(KIT);
    const k8s = [
      ...Object.keys(secretExample.stringData),
      ...Object.keys(configMap.data),
      ...(container.env as Json[]).map((e) => e.name as string),
    ];
    expect(kitNamesIn(k8s)).toEqual(KIT);
    // The key is a secret: in the Secret (a required key), never in the ConfigMap.
    expect(secretExample.stringData.JOBGRAPH_NOTIFY_SECRET).toMatch(/^<.*>$/);
    expect(configMap.data.JOBGRAPH_NOTIFY_SECRET).toBeUndefined();
    expect(
      (container.env as Json[]).find((e) => e.name === 'JOBGRAPH_NOTIFY_SECRET')?.valueFrom,
    ).toEqual({ secretKeyRef: { name: 'jobgraph-secrets', key: 'JOBGRAPH_NOTIFY_SECRET' } });
    expect(kitNamesIn(deploymentDoc.match(/JOBGRAPH_[A-Z_]+/g) ?? [])).toEqual(KIT);
  });

  it('starts a replica of either kit with nothing off but job events (their queue is yours), and nothing off with the examples uncommented or the demo’s emulators', () => {
    expect(off(replicaEnv())).toEqual(['JOBGRAPH_EVENT_QUEUES']);
    expect(off(replicaEnv(commentedSettings(envExample, '=')))).toEqual([]);
    const demo = { ...replicaEnv(), ...(emulated['x-emulated'] as Record<string, string>) };
    expect(off(demo)).toEqual([]);
    expect(off(podEnv())).toEqual(['JOBGRAPH_EVENT_QUEUES']);
    expect(off(podEnv(commentedSettings(read(join(K8S, 'configmap.yaml')), ':')))).toEqual([]);
    // The actions are the demo's: both; deploy/.env turns them off with an empty value.
    for (const env of [replicaEnv(), podEnv()])
      expect([...loadConfig({ mode: 'live' }, env).actions]).toEqual(['cancel', 'terminate']);
    expect(off(replicaEnv({ JOBGRAPH_ACTIONS: '' }))).toContain('JOBGRAPH_ACTIONS');
  });

  it('links under the address users reach: nginx’s published port in compose (deploy/.env may say another), the Ingress’s host in Kubernetes', () => {
    const listen = /^listen (\d+)/m.exec(read(join(DEPLOY, 'nginx', 'listen.conf')))?.[1];
    expect(loadConfig({ mode: 'live' }, replicaEnv()).publicUrl).toBe(`http://127.0.0.1:${listen}`);
    const mine = 'https://jobgraph.example.org';
    expect(loadConfig({ mode: 'live' }, replicaEnv({ JOBGRAPH_PUBLIC_URL: mine })).publicUrl).toBe(
      mine,
    );
    const hosts = (ingress.spec.rules as Json[]).map((r) => r.host as string);
    expect(loadConfig({ mode: 'live' }, podEnv()).publicUrl).toBe(`https://${hosts[0]}`);
  });

  const scratch = mkdtempSync(join(tmpdir(), 'jobgraph-kit-setup-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('makes the notification key in the set-up step with the other secrets, each its own value, on which a replica starts', () => {
    // The set-up lines deploy/.env.example shows, run as written in a copy of the kit.
    const lines = envExample.split('\n');
    const first = lines.findIndex((l) => l.startsWith('#   cp deploy/.env.example deploy/.env'));
    const script = lines
      .slice(first)
      .filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('#   ')))
      .map((l) => l.slice(4))
      .join('\n');
    expect(script).toContain('JOBGRAPH_NOTIFY_SECRET');
    mkdirSync(join(scratch, 'deploy'));
    cpSync(join(DEPLOY, '.env.example'), join(scratch, 'deploy', '.env.example'));
    execFileSync('sh', ['-ec', script], { cwd: scratch, stdio: 'pipe' });
    expect(readdirSync(join(scratch, 'deploy')).sort()).toEqual(['.env', '.env.example']);
    const made = envFileSettings(read(join(scratch, 'deploy', '.env')));
    const secrets = Object.keys(envFileSettings(envExample)).filter((n) =>
      /SECRET|PASSWORD/.test(n),
    );
    expect(secrets.sort()).toEqual(
      [
        'JOBGRAPH_CLUSTER_SECRET',
        'JOBGRAPH_CURSOR_SECRET',
        'JOBGRAPH_JWT_SECRET',
        'JOBGRAPH_NOTIFY_SECRET',
        'POSTGRES_PASSWORD',
        'REDIS_PASSWORD',
      ].sort(),
    );
    const values = secrets.map((n) => made[n] as string);
    for (const [i, v] of values.entries()) expect(v.length, secrets[i]).toBeGreaterThanOrEqual(32);
    expect(new Set(values).size).toBe(values.length);
    const env = {
      ...made,
      ...Object.fromEntries(Object.entries(replicaOwn).map(([k, v]) => [k, interpolate(v, made)])),
    };
    expect(off(env)).toEqual(['JOBGRAPH_EVENT_QUEUES']);
    // Kubernetes: the command that makes the Secret makes the key too, in the example and the docs.
    for (const text of [read(join(K8S, 'secret.example.yaml')), deploymentDoc])
      expect(text).toContain('--from-literal=JOBGRAPH_NOTIFY_SECRET="$(openssl rand -base64 48)"');
  });

  it('names every policy of docs/iam, the log-reading one too, where it says what the credentials need', () => {
    const policies = readdirSync(join(ROOT, 'docs', 'iam')).filter((f) => f.endsWith('.json'));
    expect(policies).toContain('jobgraph-logs.json');
    for (const [where, text] of [
      ['deploy/.env.example', envExample],
      ['deploy/kubernetes/serviceaccount.yaml', read(join(K8S, 'serviceaccount.yaml'))],
      ['docs/deployment.md', deploymentDoc],
    ] as const)
      for (const policy of policies) expect(text, `${where}: ${policy}`).toContain(policy);
  });
});
