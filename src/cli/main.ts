import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SCOPE_READ } from '../auth/identity.ts'; // a constant-only module
import type { DemoGateway } from '../app.ts';
import type { StderrLines } from './stderrLines.ts';
import type { EmulatorName } from '@jobgraph/emulators';

// Each command imports only the modules it needs (below, with `import()`): `--version` loads
// nothing, `--help` only the configuration (for its variables),
// `token` only the configuration and jose, `emulators` only the emulators and the configuration
// (for JOBGRAPH_EMULATOR_JOBS_PER_SOURCE), `schema` only graphql
// (and @apollo/subgraph for --subgraph); Apollo Server, the AWS clients and the resolvers load for
// `demo` and live mode alone.

/** `token`'s lifetime without --ttl: 12 h, a working day's development session. */
const DEFAULT_TOKEN_TTL_SECONDS = 43200;
/** The newest calls each emulator's log keeps in a long-running `jobgraph demo` or `jobgraph emulators`. */
const EMULATOR_KEEP_CALLS = 10_000;

const USAGE = `Usage:
  jobgraph                     live mode: real upstreams configured from the environment
  jobgraph demo [--port-base 4100]
                               gateway + embedded emulators with demo data (npm start; the
                               emulators on base+1 … base+8 with --port-base, else free ports)
  jobgraph emulators [--port-base 4100] [--event-delay-ms 0] [--event-duplicates 0]
                     [--event-reorder 0] [--event-loss 0]
                               only the provider emulators, STS and SQS on fixed loopback ports;
                               the --event-* switches make the job events EventBridge puts on the
                               SQS queues late (ms), twice, swapped or lost (shares from 0 to 1)
  jobgraph token --scopes "jobs:read jobs:secrets:read" [--accounts "staging prod"] [--ttl seconds]
                               mint an HS256 development token with JOBGRAPH_JWT_SECRET
                               (--ttl: its lifetime, ${DEFAULT_TOKEN_TTL_SECONDS} s = 12 h by default);
                               --accounts: the accounts it may read (aliases, default, account
                               IDs, or *); without it the token reads the default accounts only
  jobgraph schema [--subgraph | --possible-types]
                               print the client-facing SDL (for codegen); --subgraph: the federation
                               subgraph SDL (what _service { sdl } answers); --possible-types: the JSON
                               for Apollo Client's new InMemoryCache({ possibleTypes })
  jobgraph history backup <file> | history prune
                               copy the SQLite history store into a new file (VACUUM INTO), or
                               delete jobs older than JOBGRAPH_HISTORY_RETAIN_DAYS now (SQLite:
                               and give the freed space back, the file shrinking)
  jobgraph --version           print the version
  jobgraph --help              print this help

In a clone, run them as npm run jobgraph -- <command> (at once: no npx resolution).

Live mode refuses to start unless it can verify tokens: set JOBGRAPH_JWKS_URL (with
JOBGRAPH_JWT_ISSUER and JOBGRAPH_JWT_AUDIENCE) or JOBGRAPH_JWT_SECRET.`;

/** The usage, then every configuration variable with its default and meaning, by group. */
async function help(): Promise<string> {
  const { VARIABLE_DOCS } = await import('../config/index.ts');
  const width = Math.max(...VARIABLE_DOCS.map((v) => v.name.length));
  const lines = [USAGE, '', 'Configuration (environment variables; the default in brackets):'];
  let group = '';
  for (const v of VARIABLE_DOCS) {
    if (v.group !== group) lines.push('', `  ${(group = v.group)}`);
    lines.push(`    ${v.name.padEnd(width)}  ${v.meaning} [${v.default}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** The package's version, from the package.json beside src/ and dist/. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, let in-flight requests finish (the server
 * cuts them after `graceMs`), close the sources, exit 0. If closing still hangs 5 s past the
 * grace period, or a second signal arrives, exit 1 at once. Its lines go to `out` (live mode:
 * JSON lines unless stderr is a terminal, stderrLines.ts).
 */
function onShutdown(
  close: () => Promise<void>,
  graceMs: number,
  out: Pick<StderrLines, 'say'> = { say: (message) => void process.stderr.write(`${message}\n`) },
): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) {
      out.say(`${signal} again: exiting without waiting`, 'warn');
      process.exit(1);
    }
    closing = true;
    out.say(`${signal}: draining in-flight requests and stopping…`);
    setTimeout(() => {
      out.say('shutdown took too long: exiting', 'error');
      process.exit(1);
    }, graceMs + 5000).unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        out.say(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function demo(portBase: number | undefined): Promise<void> {
  const [
    { demoExposureWarning, startDemo },
    {
      emulatorEnvironment,
      exampleGlobalIds,
      EXAMPLE_KIND_GLOBAL_IDS,
      exampleSecondAccountJobs,
      DEMO_SECOND_AWS_ACCOUNT,
      EMULATOR_LABELS,
      NO_STATUS_NOTES,
      IN_PLACE_PROGRESSING_JOB_IDS,
    },
    { sandboxDocument },
    { progressingJobLines },
  ] = await Promise.all([
    import('../app.ts'),
    import('@jobgraph/emulators'),
    import('./sandboxQuery.ts'),
    import('./watch.ts'),
  ]);
  const examples = exampleGlobalIds();
  const { panorama } = exampleSecondAccountJobs();
  const second = {
    ...DEMO_SECOND_AWS_ACCOUNT,
    exampleId: `panorama@${DEMO_SECOND_AWS_ACCOUNT.alias}:${panorama.region}:${panorama.jobId}`,
  };
  const gateway = await startDemo({
    sandboxDocument: sandboxDocument([...Object.values(examples), ...EXAMPLE_KIND_GLOBAL_IDS]),
    ...(portBase === undefined ? {} : { emulatorPortBase: portBase }),
    emulatorKeepCalls: EMULATOR_KEEP_CALLS,
  });
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
    ...(await demoAccessLines(gateway, second.alias)),
    ...(await demoExampleLines(gateway, EMULATOR_LABELS, examples, second)),
    ...progressingJobLines({
      url: gateway.server.url,
      token: gateway.tokens.read,
      labels: EMULATOR_LABELS,
      current: gateway.emulators.progressingJobIds(),
      inPlace: IN_PLACE_PROGRESSING_JOB_IDS,
      noStatus: NO_STATUS_NOTES,
    }),
    ...(await demoEventLines(gateway)),
    `  History: ${gateway.historyPlace}.`,
    '',
    ...(await import('./demoNotifications.ts')).demoNotificationLines(gateway),
    ...(await import('./emulatorLines.ts')).demoEnvironmentLines(
      emulatorEnvironment(gateway.emulators),
      portBase,
      examples,
    ),
    ...(gateway.config.emulatorJobsPerSource === null
      ? []
      : [
          `  Big account (JOBGRAPH_EMULATOR_JOBS_PER_SOURCE): ${gateway.config.emulatorJobsPerSource} jobs in every listable source.`,
        ]),
    bar,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (exposure) process.stderr.write(`${exposure.join('\n')}\n`);
}

/** The demo banner's word on job events: which providers' jobs are live by events, or that all are polled. */
async function demoEventLines(gateway: DemoGateway): Promise<string[]> {
  const [{ EVENT_PROVIDERS }, { PROVIDER_LABEL }, { reconcileMsOf }] = await Promise.all([
    import('../datasources/events/envelope.ts'),
    import('../datasources/shared/classify.ts'),
    import('../datasources/events/coverage.ts'),
  ]);
  const queues = gateway.config.events.queues ?? [];
  if (queues.length === 0)
    return ['  Job events: off (JOBGRAPH_EVENT_QUEUES is empty): every watched job is polled.', ''];
  // Each re-read at its reconciliation: sooner where the events are best effort (reconcileMsOf).
  const every = (p: (typeof EVENT_PROVIDERS)[number]) =>
    reconcileMsOf({ provider: p }, gateway.config.events.reconcileMs);
  const live = EVENT_PROVIDERS.map((p) => `${PROVIDER_LABEL[p]} (${every(p) / 1000} s)`).join(', ');
  return [
    `  Live by events (the emulators publish into ${queues.length} SQS queue(s), jobgraph consumes them):`,
    `    ${live}: once an event of theirs is applied, a watched job moves when its event arrives, re-read every that many s;`,
    '    until then, and for the other providers, polled. /readyz (operator) says which: eventCoverage.',
    '',
  ];
}

/** The demo banner's ways in: the console, Sandbox, and the tokens. */
async function demoAccessLines(gateway: DemoGateway, secondAlias: string): Promise<string[]> {
  const link = gateway.config.console ? consoleUrl(gateway.config, gateway.server.url) : null;
  return [
    ...(link
      ? [
          '  Jobs console (signed in as the reader below; open it in a browser):',
          `    ${link}#token=${gateway.tokens.read}`,
          '',
        ]
      : []),
    `  GraphQL + Apollo Sandbox:  ${gateway.server.url.replace('127.0.0.1', 'localhost')}`,
    "  (Sandbox loads from Apollo's CDN, so it needs the internet; offline, use the jobs console.)",
    `  MCP server (for agents, docs/mcp.md):  ${gateway.server.url.replace('127.0.0.1', 'localhost').replace(/\/graphql$/, '/mcp')}`,
    '    with a token below in its Authorization header (the Reader reads; the Operator also cancels, terminates and reruns when JOBGRAPH_MCP_WRITE_TOOLS=on)',
    '',
    ...(await import('./demoTokenLines.ts')).demoTokenLines(gateway, secondAlias, link),
  ];
}

/** The demo banner's example job IDs, and a curl that reads one. */
async function demoExampleLines(
  gateway: DemoGateway,
  labels: Readonly<Record<EmulatorName, string>>,
  examples: Record<EmulatorName, string>,
  second: { alias: string; accountId: string; roleArn: string; exampleId: string },
): Promise<string[]> {
  // Loaded for the demo alone: `--version` and `--help` load nothing of it.
  const { curlLines } = await import('./demoNotifications.ts');
  return [
    '  Example job IDs (one per provider):',
    ...demoProviderLines(labels, examples),
    '',
    `  A second AWS account, "${second.alias}" (${second.accountId}), reached by STS AssumeRole of ${second.roleArn}:`,
    `    AWS Panorama        ${second.exampleId}`,
    '',
    '  Try it:',
    ...curlLines(
      gateway.server.url,
      gateway.tokens.read,
      `{ job(id: \\"${examples.importexport}\\") { id provider state providerStatus } }`,
    ),
    '',
  ];
}

/** One line per provider, its name and its ID (and a note after it, if any). */
function demoProviderLines(
  labels: Readonly<Record<EmulatorName, string>>,
  ids: Readonly<Partial<Record<EmulatorName, string>>>,
  notes: Partial<Record<EmulatorName, string>> = {},
): string[] {
  const width = Math.max(...Object.values(labels).map((label) => label.length));
  return (Object.entries(labels) as [EmulatorName, string][])
    .filter(([name]) => ids[name] !== undefined)
    .map(([name, label]) => `    ${label.padEnd(width)}   ${ids[name]}${notes[name] ?? ''}`);
}

/** The jobs console: under JOBGRAPH_PUBLIC_URL (the demo's own address unless set), else beside the /graphql URL (`localhost` for the loopback address: a browser's secure context). */
function consoleUrl(config: { publicUrl: string | null }, graphqlUrl: string): string {
  if (config.publicUrl !== null) return `${config.publicUrl}/console`;
  return graphqlUrl.replace('127.0.0.1', 'localhost').replace(/\/graphql$/, '/console');
}

async function live(): Promise<void> {
  const [{ ConfigError, loadConfig, refusePrivateClusterHistory }, { startGateway }] =
    await Promise.all([import('../config/index.ts'), import('../app.ts')]);
  const config = loadConfig({ mode: 'live' });
  // Without a way to verify tokens every call would be UNAUTHENTICATED: refuse to start instead of
  // serving (and reporting ready) like that.
  if (!config.auth.jwtSecret && !config.auth.jwksUrl)
    throw new ConfigError(
      'JOBGRAPH_JWKS_URL or JOBGRAPH_JWT_SECRET',
      'live mode needs one to verify bearer tokens (a JWKS with JOBGRAPH_JWT_ISSUER and JOBGRAPH_JWT_AUDIENCE for production, an HS256 key for development); without either every call would be UNAUTHENTICATED. The demo runs without one: "npm start" in a clone, "jobgraph demo" where installed.',
    );
  refusePrivateClusterHistory(config);
  const gateway = await startGateway(config);
  // Beside the JSON log lines on stdout: JSON too, unless stderr is a terminal.
  const out = (await import('./stderrLines.ts')).stderrLines();
  onShutdown(() => gateway.close(), config.resilience.shutdownGraceMs, out);
  // Not `url`: that is a sensitive field name (Import/Export artifact links), redacted in logs.
  gateway.logger.info(
    {
      endpoint: gateway.server.url,
      ...(config.console ? { console: consoleUrl(config, gateway.server.url) } : {}),
      mode: 'live',
    },
    'jobgraph listening (live upstreams)',
  );
  await (
    await import('./startupSummary.ts')
  ).printStartupSummary(gateway, {
    write: (text) =>
      out.block(
        'start-up summary',
        text.split('\n').filter((line) => line !== ''),
      ),
  });
}

/** The `--event-*` switches of `jobgraph emulators`, as the event bus names them. */
interface EventSwitchFlags {
  delayMs?: number;
  duplicateRate?: number;
  reorderRate?: number;
  lossRate?: number;
}

async function emulators(
  portBase: number | undefined,
  eventSwitches: EventSwitchFlags,
): Promise<void> {
  const [
    { DEFAULT_EMULATOR_PORT_BASE, emulatorEnvironment, exampleGlobalIds, startEmulators },
    { emulatorJobsPerSource },
  ] = await Promise.all([import('@jobgraph/emulators'), import('../config/index.ts')]);
  const jobsPerSource = emulatorJobsPerSource();
  const set = await startEmulators({
    portBase: portBase ?? DEFAULT_EMULATOR_PORT_BASE,
    ...(jobsPerSource === null ? {} : { jobsPerSource }),
    eventSwitches,
    keepCalls: EMULATOR_KEEP_CALLS,
  });
  onShutdown(() => set.close(), 0); // the emulators cut their connections at once
  const env = emulatorEnvironment(set);
  const { awsCliLines: awsCli } = await import('./emulatorLines.ts');
  process.stdout.write(
    [
      '# jobgraph provider emulators (demo data, demo credentials). Export these to point an AWS SDK or jobgraph at them:',
      ...Object.entries(env).map(([k, v]) => `export ${k}=${v}`),
      ...awsCli(env, exampleGlobalIds()).map((line) => `#${line}`),
      '',
      '# Example job IDs:',
      ...Object.entries(exampleGlobalIds()).map(([k, v]) => `#   ${k.padEnd(13)} ${v}`),
      '# Fault knobs: POST http://127.0.0.1:<port>/__emulator/faults with e.g. {"latencyMs":20,"errorRate":0.1}',
      `# Job events (AWS Batch, HealthOmics, CodePipeline) go to the JOBGRAPH_EVENT_QUEUES above; switches: POST ${set.sqs.url}/__emulator/events with e.g. {"duplicateRate":0.5}`,
      `# Now: ${JSON.stringify(set.queues.bus.switches)}`,
      ...(jobsPerSource === null
        ? []
        : [
            `# Big account (JOBGRAPH_EMULATOR_JOBS_PER_SOURCE): ${jobsPerSource} jobs in every listable source`,
          ]),
      '',
    ].join('\n'),
  );
}

async function token(scopes: string, ttl: number, accounts: string | undefined): Promise<void> {
  const [{ ConfigError, loadConfig }, { mintToken }] = await Promise.all([
    import('../config/index.ts'),
    import('../auth/mintToken.ts'),
  ]);
  const config = loadConfig({ mode: 'live' });
  if (!config.auth.jwtSecret)
    throw new ConfigError('JOBGRAPH_JWT_SECRET', 'is required to mint a token');
  const list = scopes.split(/\s+/).filter(Boolean);
  const minted = await mintToken({
    secret: config.auth.jwtSecret,
    scopes: list,
    ttlSeconds: ttl,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    ...(accounts === undefined
      ? {}
      : {
          accounts: accounts.split(/\s+/).filter(Boolean),
          accountsClaim: config.auth.accountsClaim,
        }),
  });
  process.stdout.write(`${minted}\n`);
}

async function schema(output: 'client' | 'subgraph' | 'possible-types'): Promise<void> {
  const { schemaText } = await import('./schema.ts');
  process.stdout.write(await schemaText(output));
}

/** Where a command-line mistake points, as a clone and an installed package run the command. */
const HELP_HINT =
  'Run "npm run jobgraph -- --help" in a clone, "jobgraph --help" where installed, for the commands and their flags.';

/** A command-line mistake: printed as one line naming the flag or command, with a pointer to --help. */
class UsageError extends Error {
  override name = 'UsageError';
}

/** The flags each command accepts (`--help` is accepted everywhere). */
const COMMAND_FLAGS: Record<string, readonly string[]> = {
  live: [],
  demo: ['port-base'],
  emulators: ['port-base', 'event-delay-ms', 'event-duplicates', 'event-reorder', 'event-loss'],
  token: ['scopes', 'accounts', 'ttl'],
  schema: ['subgraph', 'possible-types'],
  history: [],
};

/** A whole number within [min, max] written in decimal digits, or a UsageError naming `flag`. */
function integerFlag(flag: string, raw: string, min: number, max: number, what: string): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `--${flag}: expected ${what} (a whole number from ${min} to ${max}), got "${raw}"`,
    );
  }
  return value;
}

/** A share from 0 to 1 written as a decimal (`0`, `0.25`, `1`), or a UsageError naming `flag`. */
function rateFlag(flag: string, raw: string): number {
  const value = /^(0|1)(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 0 && value <= 1))
    throw new UsageError(`--${flag}: expected a share from 0 to 1 (such as 0.25), got "${raw}"`);
  return value;
}

/** The emulators listen on base+1 … base+8 (SQS). */
const MAX_PORT_BASE = 65535 - 8;

/** `--port-base` of `demo` and `emulators`, read; undefined when not given. */
const portBaseFlag = (raw: string | undefined) =>
  raw === undefined ? undefined : integerFlag('port-base', raw, 0, MAX_PORT_BASE, 'a port base');

/** The `--event-*` flags given, read. */
function eventSwitchFlags(values: Record<string, string | boolean | undefined>): EventSwitchFlags {
  const text = (flag: string) => {
    const v = values[flag];
    return typeof v === 'string' ? v : undefined;
  };
  const delay = text('event-delay-ms');
  const rates = [
    ['event-duplicates', 'duplicateRate'],
    ['event-reorder', 'reorderRate'],
    ['event-loss', 'lossRate'],
  ] as const;
  return {
    ...(delay === undefined
      ? {}
      : { delayMs: integerFlag('event-delay-ms', delay, 0, 900_000, 'a delay in ms') }),
    ...Object.fromEntries(
      rates.flatMap(([flag, name]) => {
        const raw = text(flag);
        return raw === undefined ? [] : [[name, rateFlag(flag, raw)]];
      }),
    ),
  };
}

/** Every flag of every command, as parseArgs reads them. */
const FLAGS = {
  scopes: { type: 'string' },
  accounts: { type: 'string' },
  ttl: { type: 'string' },
  'port-base': { type: 'string' },
  'event-delay-ms': { type: 'string' },
  'event-duplicates': { type: 'string' },
  'event-reorder': { type: 'string' },
  'event-loss': { type: 'string' },
  subgraph: { type: 'boolean' },
  'possible-types': { type: 'boolean' },
} as const;

/** The command line read: flags (each command's own, checked below) and positionals; a bad one is a UsageError naming it. */
function parsedArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...FLAGS,
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    // parseArgs names the option: "Unknown option '--x'. To specify a positional…", "Option '--ttl <value>' argument missing".
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new UsageError(unknown ? `${unknown[1]}: unknown flag` : message);
  }
}

/** The command the positionals name (`live` without one), every flag given one of its own. */
function commandOf(
  positionals: readonly string[],
  values: Partial<Record<keyof typeof FLAGS, unknown>>,
): string {
  const command = positionals[0] ?? 'live';
  const allowed = COMMAND_FLAGS[command];
  if (!allowed || positionals[0] === 'live')
    throw new UsageError(`unknown command "${positionals[0]}"`);
  // `history` takes its action and a file; every other command takes no argument.
  if (positionals.length > (command === 'history' ? 3 : 1))
    throw new UsageError(`unexpected argument "${positionals[1]}" after "${positionals[0]}"`);
  for (const flag of Object.keys(FLAGS) as (keyof typeof FLAGS)[]) {
    if (values[flag] !== undefined && !allowed.includes(flag)) {
      throw new UsageError(
        `--${flag}: not an option of ${command === 'live' ? 'live mode (jobgraph with no command)' : `"jobgraph ${command}"`}`,
      );
    }
  }
  return command;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parsedArgs(argv);
  if (values.help) return void process.stdout.write(await help());
  if (values.version) return void process.stdout.write(`${version()}\n`);
  const command = commandOf(positionals, values);
  switch (command) {
    case 'live':
      return live();
    case 'demo':
      return demo(portBaseFlag(values['port-base']));
    case 'emulators':
      return emulators(portBaseFlag(values['port-base']), eventSwitchFlags(values));
    case 'history': {
      const { historyCommand } = await import('./history.ts');
      return void process.stdout.write(await historyCommand(positionals[1], positionals[2]));
    }
    case 'schema':
      if (values.subgraph && values['possible-types'])
        throw new UsageError('--subgraph and --possible-types: give one or the other');
      return schema(
        values.subgraph ? 'subgraph' : values['possible-types'] ? 'possible-types' : 'client',
      );
    default: {
      const scopes = values.scopes ?? SCOPE_READ;
      if (values.scopes !== undefined && !scopes.trim())
        throw new UsageError('--scopes: expected one or more space-separated scopes, got ""');
      const ttl =
        values.ttl === undefined
          ? DEFAULT_TOKEN_TTL_SECONDS
          : integerFlag('ttl', values.ttl, 1, 10 * 365 * 86400, 'a lifetime in seconds');
      return token(scopes, ttl, values.accounts);
    }
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Compared by name: importing the configuration for its class would load it for every command.
  if (err instanceof UsageError) process.stderr.write(`jobgraph: ${err.message}\n${HELP_HINT}\n`);
  else if (err instanceof Error && err.name === 'ConfigError')
    process.stderr.write(`jobgraph: configuration error: ${err.message}\n`);
  else process.stderr.write(`jobgraph: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
