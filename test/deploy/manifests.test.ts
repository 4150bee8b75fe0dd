import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  JOBGRAPH_VARIABLES,
  loadConfig,
  refusePrivateClusterHistory,
} from '../../src/config/index.ts';
import {
  K8S,
  read,
  type Json,
  SIZING,
  RUNTIME,
  selects,
  aclRules,
  validationErrors,
  kubectl,
  renderKustomize,
  SECRET_NAME,
  K8S_SECRETS,
  commentedSettings,
  loadedWithExamples,
  podEnvOf,
} from './support/kit.ts';

// The deployment kit's manifests, parsed and checked for what makes a deployment work or fail.
// Nothing here runs them: no container runtime or cluster runs where the tests run. The
// kustomization's resources are read as kustomize would list them and checked against
// Kubernetes' own schema (kubernetes-models: the API's OpenAPI schema as JSON-schema validators,
// offline); where kubectl is installed, `kubectl kustomize` renders them too.

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
  const podEnv = (extra: Record<string, string> = {}) => podEnvOf(configMap, container, extra);

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

  it('gives a start long enough for a history migration (a million jobs: 57 s on PostgreSQL) before liveness counts', () => {
    const { periodSeconds, failureThreshold } = container.startupProbe as {
      periodSeconds: number;
      failureThreshold: number;
    };
    expect(periodSeconds * failureThreshold).toBeGreaterThanOrEqual(300);
    expect(periodSeconds).toBeLessThanOrEqual(1); // a normal start is still seen within a second
  });

  it('gives a stopping pod longer than its preStop sleep, the drain and jobgraph’s own 5 s guard', () => {
    const command = container.lifecycle.preStop.exec.command as string[];
    expect(command[0]).toBe('sleep');
    const preStop = Number(command[1]);
    expect(preStop).toBeGreaterThanOrEqual(5);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStop + graceMs / 1000 + 5);
  });

  it('takes the five secrets and the history URL from the Secret by name (secretKeyRef), every other key of it too (envFrom), and no secret as a literal', () => {
    const env = container.env as Json[];
    for (const name of Object.keys(K8S_SECRETS)) {
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
    expect(Object.keys(secretExample.stringData).sort()).toEqual(Object.keys(K8S_SECRETS).sort());
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
    const config = loadedWithExamples(podEnv, examples);
    expect(config.events.queues?.length).toBeGreaterThan(0);
    expect(config.awsAccounts.length).toBeGreaterThan(0);
    // The reader refuses what a pod would exit 1 on: an alias no account stands behind.
    const nope = { JOBGRAPH_EVENT_QUEUES: `nope=${examples.JOBGRAPH_EVENT_QUEUES as string}` };
    expect(() => loadConfig({ mode: 'live' }, podEnv(nope))).toThrow(/JOBGRAPH_EVENT_QUEUES/);
  });

  it('hands the replicas the PostgreSQL history they share from the Secret, a required key, and lets them reach it on 5432', () => {
    const entry = (container.env as Json[]).find((e) => e.name === 'JOBGRAPH_HISTORY_URL') as Json;
    expect(entry.valueFrom.secretKeyRef).toEqual({
      name: secretExample.metadata.name,
      key: 'JOBGRAPH_HISTORY_URL',
    });
    expect(secretExample.stringData.JOBGRAPH_HISTORY_URL).toMatch(/^<postgres:\/\/jobgraph:/);
    // The example's command to make the Secret names it too.
    expect(read(join(K8S, 'secret.example.yaml'))).toMatch(
      /--from-literal=JOBGRAPH_HISTORY_URL='postgres:\/\/jobgraph:<password>@[^']+:5432\/jobgraph'/,
    );
    const config = loadConfig({ mode: 'live' }, podEnv());
    expect(config.history.store).toEqual({
      kind: 'postgres',
      url: K8S_SECRETS.JOBGRAPH_HISTORY_URL,
    });
    expect(config.cache.url).not.toBeNull();
    expect(() => refusePrivateClusterHistory(config)).not.toThrow();
    // Without the key, the replicas of this cluster would refuse to start, naming it.
    const { JOBGRAPH_HISTORY_URL: _, ...without } = podEnv();
    expect(() => refusePrivateClusterHistory(loadConfig({ mode: 'live' }, without))).toThrow(
      /^JOBGRAPH_HISTORY_URL: .*JOBGRAPH_HISTORY_PRIVATE=1/,
    );
    const egress = one('NetworkPolicy', 'jobgraph').spec.egress as Json[];
    expect(egress.filter((r) => r.ports?.some((p: Json) => p.port === 5432))).toEqual([
      { ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
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
    // The requests and the memory limit are the sizing table's (deploy/sizing.json, copied from a run's
    // bench/results/sizing.json, which bench/sizingReport.ts derives from the replica measured); no CPU limit.
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

  it('lets in only the ingress controller on :4000, and lets out only Redis, PostgreSQL, DNS, HTTPS and EKS Pod Identity’s agent: not instance metadata', () => {
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
    expect(anywhere.map(ports).sort()).toEqual([['TCP/443'], ['TCP/5432']]);
    // EKS Pod Identity's agent, the pods' own role, on port 80 and on both address families.
    const toBlocks = (...cidrs: string[]) =>
      egress.find((r) => cidrs.every((c) => r.to?.some((t: Json) => t.ipBlock?.cidr === c)));
    const podIdentity = toBlocks('169.254.170.23/32', 'fd00:ec2::23/128');
    expect(podIdentity && ports(podIdentity)).toEqual(['TCP/80']);
    expect(podIdentity?.to).toHaveLength(2);
    expect(egress).toHaveLength(5);
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
        /** The NetworkPolicy `name` of `docs`, checked: in the kustomization's namespace, valid. */
        const validPolicy = (docs: Json[], name: string): Json => {
          const policy = docs.find(
            (d) => d.kind === 'NetworkPolicy' && d.metadata.name === name,
          ) as Json;
          expect(policy.metadata.namespace).toBe(kustomization.namespace);
          expect(validationErrors(policy)).toEqual([]);
          return policy;
        };
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
        validPolicy(traced, 'jobgraph-otlp');
        const config = traced.find((d) => d.kind === 'ConfigMap') as Json;
        expect(config.data.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/:4318$/);
        expect(config.data.JOBGRAPH_SHUTDOWN_GRACE_MS).toBe(
          configMap.data.JOBGRAPH_SHUTDOWN_GRACE_MS,
        );
        // And instance metadata, the opt-in: its policy, and the SDK allowed to ask there.
        await edit('  - components/tracing', '  - components/tracing\n  - components/imds');
        const withImds = renderKustomize(copy);
        const imds = validPolicy(withImds, 'jobgraph-imds');
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
