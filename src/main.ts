import { parseArgs } from 'node:util';
import { SCOPE_READ } from './auth/identity.ts';
import { mintToken } from './auth/mintToken.ts';
import { ConfigError, loadConfig } from './config.ts';
import { DEFAULT_EMULATOR_PORT_BASE, emulatorEnvironment, exampleGlobalIds, startEmulators } from './emulators/index.ts';
import { demoExposureWarning, startDemo, startGateway } from './app.ts';

const USAGE = `Usage:
  jobgraph                     live mode: real upstreams configured from the environment
  jobgraph demo                gateway + embedded emulators with demo data (npm start)
  jobgraph emulators [--port-base 4100]
                               only the five provider emulators on fixed loopback ports
  jobgraph token --scopes "jobs:read jobs:secrets:read" [--ttl 3600]
                               mint an HS256 development token with JOBGRAPH_JWT_SECRET`;

/**
 * On SIGTERM or SIGINT: stop accepting connections, let in-flight requests finish (the server
 * cuts them after `graceMs`), close the sources, exit 0. If closing still hangs 5 s past the
 * grace period, or a second signal arrives, exit 1 at once.
 */
function onShutdown(close: () => Promise<void>, graceMs: number): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    closing = true;
    process.stderr.write(`\n${signal}: draining in-flight requests and stopping…\n`);
    setTimeout(() => {
      process.stderr.write('shutdown took too long: exiting\n');
      process.exit(1);
    }, graceMs + 5000).unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const exampleQuery = (id: string) => `query Example {
  job(id: "${id}") {
    id
    provider
    state
    providerStatus
    terminal
    createdAt
    completedAt
  }
}`;

async function demo(): Promise<void> {
  const examples = exampleGlobalIds();
  const gateway = await startDemo({ sandboxDocument: exampleQuery(examples.codepipeline) });
  onShutdown(() => gateway.close(), gateway.config.resilience.shutdownGraceMs);
  const bar = '='.repeat(78);
  const exposure = demoExposureWarning(gateway.config.host);
  const lines = [
    bar,
    '  jobgraph DEMO MODE — every upstream is an EMULATOR on this machine.',
    '  No real cloud is called; the jobs below are seeded demo data.',
    bar,
    ...(exposure ? ['!'.repeat(78), ...exposure, '!'.repeat(78)] : []),
    '',
    `  GraphQL + Apollo Sandbox:  ${gateway.server.url.replace('127.0.0.1', 'localhost')}`,
    '',
    '  Token with jobs:read (paste this header line into Sandbox → Headers):',
    `    Authorization: Bearer ${gateway.tokens.read}`,
    '',
    '  Token with jobs:read jobs:secrets:read (shows credentials and signatures):',
    `    Authorization: Bearer ${gateway.tokens.secrets}`,
    '',
    '  Example job IDs (one per provider):',
    `    AWS Panorama        ${examples.panorama}`,
    `    AWS HealthOmics     ${examples.omics}`,
    `    Tencent COS Batch   ${examples.cosbatch}`,
    `    AWS Import/Export   ${examples.importexport}`,
    `    AWS CodePipeline    ${examples.codepipeline}`,
    '',
    '  Try it:',
    `    curl -s ${gateway.server.url} -H 'content-type: application/json' \\`,
    `      -H 'authorization: Bearer ${gateway.tokens.read}' \\`,
    `      -d '{"query":"{ job(id: \\"${examples.importexport}\\") { id provider state providerStatus } }"}'`,
    '',
    '  Emulated upstreams:',
    ...Object.entries(emulatorEnvironment(gateway.emulators))
      .filter(([k]) => k.includes('ENDPOINT'))
      .map(([k, v]) => `    ${k}=${v}`),
    bar,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (exposure) process.stderr.write(`${exposure.join('\n')}\n`);
}

async function live(): Promise<void> {
  const config = loadConfig({ mode: 'live' });
  const gateway = await startGateway(config);
  onShutdown(() => gateway.close(), config.resilience.shutdownGraceMs);
  if (!config.auth.jwtSecret && !config.auth.jwksUrl) {
    gateway.logger.warn('neither JOBGRAPH_JWT_SECRET nor JOBGRAPH_JWKS_URL is set: no token can be verified, so every job field answers UNAUTHENTICATED');
  }
  // Not `url`: that is a sensitive field name (Import/Export artifact links), redacted in logs.
  gateway.logger.info({ endpoint: gateway.server.url, mode: 'live' }, 'jobgraph listening (live upstreams)');
  await (await import('./startupSummary.ts')).printStartupSummary(gateway);
}

async function emulators(portBase: number): Promise<void> {
  const set = await startEmulators({ portBase });
  onShutdown(() => set.close(), 0); // the emulators cut their connections at once
  const env = emulatorEnvironment(set);
  process.stdout.write(
    [
      '# jobgraph provider emulators (demo data, demo credentials). Export these to point any client at them:',
      ...Object.entries(env).map(([k, v]) => `export ${k}=${v}`),
      '',
      '# Example job IDs:',
      ...Object.entries(exampleGlobalIds()).map(([k, v]) => `#   ${k.padEnd(13)} ${v}`),
      '# Fault knobs: POST http://127.0.0.1:<port>/__emulator/faults with e.g. {"latencyMs":20,"errorRate":0.1}',
      '',
    ].join('\n'),
  );
}

async function token(scopes: string, ttl: number): Promise<void> {
  const config = loadConfig({ mode: 'live' });
  if (!config.auth.jwtSecret) throw new ConfigError('JOBGRAPH_JWT_SECRET', 'is required to mint a token');
  const list = scopes.split(/\s+/).filter(Boolean);
  process.stdout.write(
    `${await mintToken({ secret: config.auth.jwtSecret, scopes: list, ttlSeconds: ttl, issuer: config.auth.issuer, audience: config.auth.audience })}\n`,
  );
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scopes: { type: 'string', default: SCOPE_READ },
      ttl: { type: 'string', default: '43200' },
      'port-base': { type: 'string', default: String(DEFAULT_EMULATOR_PORT_BASE) },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  switch (command) {
    case undefined:
      return live();
    case 'demo':
      return demo();
    case 'emulators':
      return emulators(Number(values['port-base']));
    case 'token':
      return token(values.scopes, Number(values.ttl));
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`jobgraph: configuration error: ${err.message}\n`);
  else process.stderr.write(`jobgraph: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
