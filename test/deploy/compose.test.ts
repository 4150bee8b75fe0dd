import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DEFAULT_DATA_DIR,
  loadConfig,
  refusePrivateClusterHistory,
  unknownVariableWarnings,
} from '../../src/config/index.ts';
import * as emulatorsModule from '@jobgraph/emulators';
import {
  DEFAULT_EMULATOR_PORT_BASE,
  EMULATOR_PORT_OFFSETS,
  emulatorEnvironment,
  type EmulatorSet,
} from '@jobgraph/emulators';
import { parseDockerfile } from './support/dockerfile.ts';
import { shippedReplicaNames } from './support/nginx.ts';
import {
  ROOT,
  DEPLOY,
  read,
  type Json,
  SIZING,
  RUNTIME,
  seconds,
  aclRules,
  k8sRedisRules,
  COMPOSE_SECRETS,
  commentedSettings,
  envFileSettings,
  loadedWithExamples,
  replicaEnvOf,
} from './support/kit.ts';

// The compose file (deploy/compose.yaml), its demo override and its nginx, and the Dockerfile's
// toolchain, parsed and checked for what makes a deployment work or fail. Nothing here runs them:
// no container runtime runs where the tests run (test/deploy/*.e2e.test.ts run the real nginx and
// redis-server). The Kubernetes manifests: manifests.test.ts.

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
  /** What a replica of compose.yaml alone reads (deploy/.env.example filled in, and `extra`). */
  const replicaEnv = (extra: Record<string, string> = {}) =>
    replicaEnvOf(baseServices['jobgraph-1']?.environment, envExample, extra);

  it('runs Redis, PostgreSQL, three jobgraph replicas and nginx, and the emulators only with the demo override, each with a healthcheck', () => {
    expect(Object.keys(baseServices).sort()).toEqual(
      ['nginx', 'postgres', 'redis', ...replicas].sort(),
    );
    expect(Object.keys(overrideServices).sort()).toEqual(['emulators', ...replicas].sort());
    expect(Object.keys(services).sort()).toEqual(
      ['emulators', 'nginx', 'postgres', 'redis', ...replicas].sort(),
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

  it('takes the six secrets from deploy/.env or the shell, required, never literal', () => {
    for (const name of replicas)
      for (const secret of [
        'JOBGRAPH_JWT_SECRET',
        'JOBGRAPH_CURSOR_SECRET',
        'JOBGRAPH_CLUSTER_SECRET',
        'JOBGRAPH_NOTIFY_SECRET',
      ])
        expect(envOf(name)[secret]).toMatch(new RegExp(`^\\$\\{${secret}:\\?[^}]+\\}$`));
    for (const secret of Object.keys(COMPOSE_SECRETS))
      expect(envExample).toMatch(new RegExp(`^${secret}=$`, 'm'));
    expect(read(join(DEPLOY, '.gitignore'))).toMatch(/^\.env$/m);
    // Compose refuses to start without one.
    expect(() => replicaEnv({ JOBGRAPH_CLUSTER_SECRET: '' })).toThrow(/JOBGRAPH_CLUSTER_SECRET/);
    expect(() => replicaEnv({ POSTGRES_PASSWORD: '' })).toThrow(/POSTGRES_PASSWORD/);
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
      expect(Object.keys(baseServices[name]?.depends_on)).toEqual(['redis', 'postgres']);
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
      ...Object.keys(COMPOSE_SECRETS),
    ])
      expect(listed, name).toHaveProperty(name);
    // Every JOBGRAPH_* name there is one jobgraph reads (a replica gets them all).
    expect(unknownVariableWarnings(listed)).toEqual([]);
  });

  it('starts a replica of compose.yaml alone on deploy/.env.example as written, and with its commented examples uncommented (all, or the accounts or the queue line alone)', () => {
    const examples = commentedSettings(envExample, '=');
    const config = loadedWithExamples(replicaEnv, examples);
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
      expect(Object.keys(services[name]?.depends_on).sort()).toEqual([
        'emulators',
        'postgres',
        'redis',
      ]);
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
      expect(services[name]?.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    }
  });

  it('keeps one history for the three replicas: the official postgres image, its data in a named volume, healthy before they start', () => {
    const pg = baseServices.postgres as Json;
    expect(pg.image).toMatch(/^postgres:\d+(-alpine)?$/);
    expect(pg.environment).toEqual({
      POSTGRES_USER: 'jobgraph',
      POSTGRES_DB: 'jobgraph',
      POSTGRES_PASSWORD: expect.stringMatching(/^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/),
    });
    const [volume, target] = (pg.volumes as string[])[0]!.split(':');
    expect(target).toBe('/var/lib/postgresql/data');
    expect(Object.keys(base.volumes as Json)).toEqual([volume]);
    expect((pg.healthcheck.test as string[]).slice(1)).toEqual([
      'pg_isready',
      '-U',
      'jobgraph',
      '-d',
      'jobgraph',
    ]);
    // Not published: only the replicas reach it.
    expect(pg.ports).toBeUndefined();
    for (const name of replicas) {
      // No data of their own: no volume, the history is the postgres service's.
      expect(services[name]?.volumes, name).toBeUndefined();
      expect(envOf(name).JOBGRAPH_HISTORY_URL).toMatch(
        /^postgres:\/\/jobgraph:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/jobgraph$/,
      );
    }
    // As a replica reads it: the shared PostgreSQL, which the cluster's refusal lets start.
    const config = loadConfig({ mode: 'live' }, replicaEnv());
    expect(config.history.store).toEqual({
      kind: 'postgres',
      url: `postgres://jobgraph:${COMPOSE_SECRETS.POSTGRES_PASSWORD}@postgres:5432/jobgraph`,
    });
    expect(() => refusePrivateClusterHistory(config)).not.toThrow();
    // The image still makes its data folder for its user (the default file, outside the kit), and
    // before switching to it, so a named volume mounted there is created with that owner.
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
    expect(script).toContain(`import('@jobgraph/emulators')`);
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
