import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { JOBGRAPH_VARIABLES, unknownVariableWarnings } from '../../src/config/index.ts';
import * as emulatorsModule from '../../src/emulators/index.ts';
import {
  DEFAULT_EMULATOR_PORT_BASE,
  EMULATOR_PORT_OFFSETS,
  emulatorEnvironment,
  type EmulatorSet,
} from '../../src/emulators/index.ts';
import { envPairs, parseDockerfile } from './support/dockerfile.ts';

// The deployment kit's manifests, parsed and checked for what makes a deployment work or fail.
// Nothing here runs them: no container runtime runs where the tests run, and kubectl is not
// installed (so neither `kubectl kustomize` nor `kubectl apply --dry-run=client` runs); the
// kustomization's resources are read as kustomize would list them.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const K8S = join(DEPLOY, 'kubernetes');
const read = (path: string) => readFileSync(path, 'utf8');

type Json = Record<string, any>;

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

/** Names that hold a secret: never given a literal value in a manifest. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|_KEY$/;

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

  it('takes JOBGRAPH_JWT_SECRET and JOBGRAPH_CURSOR_SECRET from the Secret (secretKeyRef), and no secret as a literal', () => {
    const env = container.env as Json[];
    for (const name of ['JOBGRAPH_JWT_SECRET', 'JOBGRAPH_CURSOR_SECRET']) {
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
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'jobgraph-config' } }]);
    // A Redis URL with a password is a secret too.
    expect(configMap.data.JOBGRAPH_CACHE_URL).not.toMatch(/\/\/[^/]*@/);
    // The example holds placeholders, not keys.
    for (const value of Object.values(secretExample.stringData as Record<string, string>))
      expect(value).toMatch(/^<.*>$/);
  });

  it('names only variables jobgraph knows', () => {
    const names = [
      ...Object.keys(configMap.data),
      ...(container.env as Json[]).map((e) => e.name as string),
    ].filter((n) => n.startsWith('JOBGRAPH_'));
    expect(names.length).toBeGreaterThan(2);
    expect(names.filter((n) => !JOBGRAPH_VARIABLES.includes(n))).toEqual([]);
    // Docker-link variables of a Service named jobgraph would be JOBGRAPH_PORT, JOBGRAPH_SERVICE_HOST…
    expect(pod.spec.enableServiceLinks).toBe(false);
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
    expect(container.resources.limits.memory).toBe('1Gi');
  });

  it('selects the jobgraph pods, and only them, in the Service and the PodDisruptionBudget', () => {
    const redisPods = one('Deployment', 'redis').spec.template.metadata.labels as Json;
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
    for (const p of paths)
      expect(p.backend.service).toEqual({ name: service.metadata.name, port: { name: 'http' } });
  });

  it('points JOBGRAPH_CACHE_URL at the Redis Service', () => {
    const redis = one('Service', 'redis');
    const url = new URL(configMap.data.JOBGRAPH_CACHE_URL as string);
    expect([url.hostname, Number(url.port)]).toEqual([
      redis.metadata.name,
      redis.spec.ports[0].port,
    ]);
    expect(
      selects(redis.spec.selector, one('Deployment', 'redis').spec.template.metadata.labels),
    ).toBe(true);
  });
});

describe('The compose file (deploy/compose.yaml) and its nginx', () => {
  const compose = parse(read(join(DEPLOY, 'compose.yaml')), { merge: true }) as Json;
  const services = compose.services as Record<string, Json>;
  const replicas = ['jobgraph-1', 'jobgraph-2', 'jobgraph-3'];
  const envOf = (name: string) => services[name]?.environment as Record<string, string>;

  it('runs Redis, the emulators, three jobgraph replicas and nginx, each with a healthcheck', () => {
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

  it('takes both secrets from deploy/.env or the shell, required, never literal', () => {
    for (const name of replicas)
      for (const secret of ['JOBGRAPH_JWT_SECRET', 'JOBGRAPH_CURSOR_SECRET'])
        expect(envOf(name)[secret]).toMatch(new RegExp(`^\\$\\{${secret}:\\?[^}]+\\}$`));
    const example = read(join(DEPLOY, '.env.example'));
    expect(example).toMatch(/^JOBGRAPH_JWT_SECRET=$/m);
    expect(example).toMatch(/^JOBGRAPH_CURSOR_SECRET=$/m);
    expect(read(join(DEPLOY, '.gitignore'))).toMatch(/^\.env$/m);
  });

  it('shares one Redis, names only variables jobgraph knows, and stops slower than jobgraph drains', () => {
    for (const name of replicas) {
      const env = envOf(name);
      expect(env.JOBGRAPH_CACHE_URL).toBe('redis://redis:6379');
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

  it('points the replicas at the emulators service with the emulators’ own ports, demo credentials and second accounts', () => {
    const url = (name: keyof typeof EMULATOR_PORT_OFFSETS) => ({
      url: `http://emulators:${DEFAULT_EMULATOR_PORT_BASE + EMULATOR_PORT_OFFSETS[name]}`,
    });
    const expected = emulatorEnvironment({
      panorama: url('panorama'),
      omics: url('omics'),
      cosbatch: url('cosbatch'),
      importexport: url('importexport'),
      codepipeline: url('codepipeline'),
      // The second account of each cloud too: AWS by the emulated STS, COS by its own keys.
      sts: url('sts'),
    } as unknown as EmulatorSet);
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

  it('mounts deploy/nginx.conf into nginx’s http block, with upstreams naming the three replicas on the image’s port', () => {
    const nginx = services.nginx as Json;
    expect(nginx.volumes).toEqual([
      './nginx.conf:/etc/nginx/conf.d/default.conf:ro',
      './nginx:/etc/nginx/jobgraph:ro',
    ]);
    const conf = read(join(DEPLOY, 'nginx.conf'));
    expect(conf).toMatch(/^\s*include jobgraph\/upstreams\.conf;/m);
    expect(conf).toMatch(/^\s*include jobgraph\/listen\.conf;/m);
    const upstreams = [
      ...read(join(DEPLOY, 'nginx', 'upstreams.conf')).matchAll(/^server (\S+):(\d+)\b/gm),
    ];
    expect(upstreams.map(([, host, port]) => [host, Number(port)])).toEqual(
      replicas.map((r) => [r, RUNTIME.port]),
    );
    const listen = /^listen (\d+)/m.exec(read(join(DEPLOY, 'nginx', 'listen.conf')))?.[1];
    expect(nginx.ports).toEqual([`${listen}:${listen}`]);
    for (const r of replicas) expect(nginx.depends_on[r]).toEqual({ condition: 'service_healthy' });
  });
});
