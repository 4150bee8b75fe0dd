import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { PROVIDERS } from '../../../src/datasources/registry.ts';
import type { AnyProvider } from '../../../src/datasources/shared/provider.ts';
import type { Operation } from '../../../src/datasources/shared/source.ts';
import { DEMO_DATA } from '@jobgraph/emulators';
import { parseGlobalId } from '../../../src/model/globalId.ts';

/**
 * The permissions a real account needs, held to the calls the code makes: every AWS action an
 * operation of jobgraph can call is in exactly the policy documents of docs/iam/, and nothing else
 * is there. The operations are found in the code, not in a list kept beside it: each provider's
 * wire (its describe and describe-many operations) and every operation its modules export (its
 * lists and account check), the SQS calls of the event consumer, and the STS calls of the account
 * sessions. `Provider.permissions` declares each provider's; it is checked against the operations
 * found, both ways.
 */

const ROOT = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

/** One statement of an IAM policy document, as the files of docs/iam/ write them. */
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

/** The actions a policy document of docs/iam/ allows, sorted. */
function policyActions(file: string): string[] {
  const doc = JSON.parse(read(`docs/iam/${file}`)) as { Version: string; Statement: Statement[] };
  expect(doc.Version, file).toBe('2012-10-17');
  return doc.Statement.flatMap((s) => {
    expect(s.Effect, file).toBe('Allow');
    return Array.isArray(s.Action) ? s.Action : [s.Action];
  }).sort();
}

const isOperation = (value: unknown): value is Operation<unknown, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Operation<unknown, unknown>).name === 'string' &&
  typeof (value as Operation<unknown, unknown>).send === 'function' &&
  typeof (value as Operation<unknown, unknown>).parse === 'function' &&
  typeof (value as Operation<unknown, unknown>).readError === 'function';

/** Every module of src/datasources/<folder>/, by its path there (`batch/list.ts`). */
const DATASOURCES = new URL('src/datasources/', ROOT);
const MODULES: Record<string, unknown> = Object.fromEntries(
  await Promise.all(
    readdirSync(DATASOURCES, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) =>
        // A provider's modules, and its further kinds' folders (`batch/serviceJob/`, `omics/runBatch/`).
        readdirSync(new URL(`${d.name}/`, DATASOURCES), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.ts'))
          .map(
            async (f) =>
              [
                `${d.name}/${f}`,
                await import(new URL(`${d.name}/${f}`, DATASOURCES).href),
              ] as const,
          ),
      ),
  ),
);

/** The folder whose index.ts exports `provider` (`src/datasources/<folder>/`). */
function folderOf(provider: AnyProvider): string {
  const entry = Object.entries(MODULES).find(
    ([path, exports]) =>
      path.endsWith('/index.ts') && Object.values(exports as object).includes(provider),
  );
  if (!entry) throw new Error(`no src/datasources/*/index.ts exports ${provider.name}`);
  return entry[0].split('/')[0]!;
}

const CONFIG = loadConfig({ mode: 'demo' }, {});
const TRANSPORT = { timeoutMs: 5_000, maxAttempts: 1, maxSockets: 1 };

/** The provider's wire as the gateway builds it (no call is made). */
function wireOf(provider: AnyProvider) {
  // The registry's union of providers, read as one shape: only the wire's operations are used.
  const setup = provider.setup as unknown as {
    wire(options: unknown): {
      describe: Operation<unknown, unknown>;
      describeMany?: { operation: Operation<unknown, unknown> };
      kinds?: Record<
        string,
        {
          describe: Operation<unknown, unknown>;
          actions?: Record<string, Operation<unknown, unknown>>;
        }
      >;
    };
    options(config: typeof CONFIG, transport: typeof TRANSPORT): unknown;
  };
  return setup.wire(setup.options(CONFIG, TRANSPORT));
}

/**
 * The operations a provider's code can call: its wire's, and every operation its folder's modules
 * export, or make from one argument (COS Batch's list is made per account APPID).
 */
function operationsOf(provider: AnyProvider): Operation<unknown, unknown>[] {
  const wire = wireOf(provider);
  const found = [wire.describe, ...(wire.describeMany ? [wire.describeMany.operation] : [])];
  // Its further kinds' operations (ProviderWire.kinds: HealthOmics' workflow runs).
  for (const kind of Object.values(wire.kinds ?? {}))
    found.push(kind.describe, ...Object.values(kind.actions ?? {}));
  // Its queues' reads (Provider.queues: jobQueues, Job.waiting).
  const queues = provider.queues;
  if (queues) found.push(queues.describeQueues, queues.describeEnvironments, queues.snapshot);
  const folder = folderOf(provider);
  for (const [path, exports] of Object.entries(MODULES)) {
    if (path.split('/')[0] !== folder) continue;
    for (const [name, value] of Object.entries(exports as Record<string, unknown>)) {
      if (isOperation(value)) found.push(value);
      else if (typeof value === 'function' && /Operation$/.test(name) && value.length === 1) {
        const made: unknown = (value as (arg: string) => unknown)('1250000000');
        if (isOperation(made)) found.push(made);
      }
    }
  }
  return found;
}

/** An action's operation: the part after the service prefix (`batch:ListJobs` → `ListJobs`). */
const operationOf = (action: string) => action.slice(action.indexOf(':') + 1);

const AWS = PROVIDERS.filter((p) => p.rpcSystem === 'aws-api');

/**
 * A provider's declared permissions split by what their operations do: those of an operation
 * that acts on a job (`Operation.acts`) go in the write policy, every other in the read policy.
 */
function permissionsBy(provider: AnyProvider, acts: boolean): string[] {
  const names = new Set(
    operationsOf(provider)
      .filter((op) => (op.acts === true) === acts)
      .flatMap((op) => [op.name, ...(op.alsoNeeds ?? [])]),
  );
  return provider.permissions.filter((a) => names.has(operationOf(a)));
}

/**
 * SQS batch calls are allowed by their single action (SQS developer guide, "Amazon SQS batch
 * actions": permissions cannot be set on the batch actions themselves).
 */
const SQS_BATCH_ACTION: Readonly<Record<string, string>> = {
  DeleteMessageBatch: 'DeleteMessage',
  SendMessageBatch: 'SendMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** The SQS operations the event consumer calls: each goes through `SqsClient`'s one `#call`. */
function sqsActions(): string[] {
  const source = read('src/datasources/events/sqs.ts');
  // One place sets the target, so every call is a `#call('<Operation>', …)`.
  expect(source.match(/x-amz-target/g)).toHaveLength(1);
  const operations = [...source.matchAll(/#call\(\s*'([A-Za-z]+)'/g)].map((m) => m[1]!);
  expect(operations.length).toBeGreaterThan(0);
  return [...new Set(operations.map((op) => `sqs:${SQS_BATCH_ACTION[op] ?? op}`))].sort();
}

/**
 * The STS operations the account sessions call, and the action each needs: AssumeRole (by the
 * SDK's `fromTemporaryCredentials`) needs `sts:AssumeRole` on the role; GetCallerIdentity needs no
 * permission (STS API reference: "No permissions are required to perform this operation").
 */
function stsActions(): { called: string[]; needed: string[] } {
  const called: string[] = [];
  if (read('src/datasources/shared/accounts.ts').includes('fromTemporaryCredentials('))
    called.push('AssumeRole');
  const body = read('src/datasources/shared/callerIdentity.ts');
  for (const m of body.matchAll(/Action=([A-Za-z]+)/g)) called.push(m[1]!);
  const needed = called.filter((op) => op !== 'GetCallerIdentity').map((op) => `sts:${op}`);
  return { called: called.sort(), needed: needed.sort() };
}

describe('the permissions of docs/iam/', () => {
  it.each(PROVIDERS.map((p) => [p.name, p] as const))(
    '%s declares one permission per operation its code calls, and no other',
    (_name, provider) => {
      const called = [
        ...new Set(operationsOf(provider).flatMap((op) => [op.name, ...(op.alsoNeeds ?? [])])),
      ].sort();
      const declared = [...new Set(provider.permissions.map(operationOf))].sort();
      expect(declared).toEqual(called);
      expect(provider.permissions).toHaveLength(declared.length);
      // One service prefix for each provider: its policy language's name of the service.
      expect(new Set(provider.permissions.map((a) => a.slice(0, a.indexOf(':')))).size).toBe(1);
    },
  );

  it('names the operation the wire sends, where the wire names it (X-Amz-Target, Action=)', () => {
    for (const provider of PROVIDERS) {
      const name = provider.name;
      const example = Object.values(DEMO_DATA).find(
        (d) => parseGlobalId(d.EXAMPLE_GLOBAL_ID).provider === name,
      );
      if (!example) throw new Error(`no demo job of ${name}`);
      const { describe } = wireOf(provider);
      const request = describe.send(parseGlobalId(example.EXAMPLE_GLOBAL_ID));
      const target = request.headers['x-amz-target'];
      if (target !== undefined) expect(target.split('.').at(-1), name).toBe(describe.name);
      const action = /(?:^|&)Action=([A-Za-z]+)/.exec(String(request.body))?.[1];
      if (action !== undefined) expect(action, name).toBe(describe.name);
    }
  });

  it('allows in jobgraph-read.json exactly the AWS providers’ actions that only read', () => {
    expect(policyActions('jobgraph-read.json')).toEqual(
      AWS.flatMap((p) => permissionsBy(p, false)).sort(),
    );
  });

  it('allows in jobgraph-write.json exactly the AWS providers’ actions that act on a job', () => {
    expect(policyActions('jobgraph-write.json')).toEqual(
      AWS.flatMap((p) => permissionsBy(p, true)).sort(),
    );
    // No operation found acts under a name that also reads, so the two policies never overlap.
    for (const provider of PROVIDERS) {
      const acting = permissionsBy(provider, true);
      expect(permissionsBy(provider, false).filter((a) => acting.includes(a))).toEqual([]);
    }
  });

  it('allows in jobgraph-logs.json exactly the CloudWatch Logs operations the job logs call, on log groups only', () => {
    const called = Object.entries(MODULES)
      .filter(([path]) => path.startsWith('logs/'))
      .flatMap(([, exports]) => Object.values(exports as Record<string, unknown>))
      .filter(isOperation)
      .map((op) => `logs:${op.name}`);
    expect(called).toContain('logs:GetLogEvents');
    expect(policyActions('jobgraph-logs.json')).toEqual([...new Set(called)].sort());
    const doc = JSON.parse(read('docs/iam/jobgraph-logs.json')) as { Statement: Statement[] };
    for (const s of doc.Statement)
      expect(String(s.Resource)).toMatch(/^arn:aws:logs:.*:log-group:/);
  });

  it('allows in jobgraph-events.json exactly the SQS actions the event consumer calls', () => {
    expect(policyActions('jobgraph-events.json')).toEqual(sqsActions());
    expect(sqsActions()).toEqual(['sqs:DeleteMessage', 'sqs:ReceiveMessage']);
  });

  it('allows in jobgraph-assume-roles.json exactly the STS actions the account sessions need', () => {
    const sts = stsActions();
    expect(sts.called).toEqual(['AssumeRole', 'GetCallerIdentity']);
    expect(policyActions('jobgraph-assume-roles.json')).toEqual(sts.needed);
  });

  it('holds no policy document but those five', () => {
    const files = readdirSync(new URL('docs/iam/', ROOT)).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual([
      'jobgraph-assume-roles.json',
      'jobgraph-events.json',
      'jobgraph-logs.json',
      'jobgraph-read.json',
      'jobgraph-write.json',
    ]);
  });

  it('shows the COS Batch CAM actions in docs/accounts.md as COS Batch declares them', () => {
    const cos = PROVIDERS.filter((p) => p.rpcSystem === 'tencentcloud-api');
    const doc = read('docs/accounts.md');
    const block = /```json\n(\{\n {2}"version": "2\.0"[\s\S]*?)```/.exec(doc)?.[1];
    expect(block, 'docs/accounts.md shows a CAM policy').toBeDefined();
    const cam = JSON.parse(block!) as { statement: { action: string[] }[] };
    expect(cam.statement.flatMap((s) => s.action).sort()).toEqual(
      cos.flatMap((p) => [...p.permissions]).sort(),
    );
  });

  it("says in docs/accounts.md's action table what each action is for, every action and no other", () => {
    const doc = read('docs/accounts.md');
    const table = doc.slice(doc.indexOf('| action | called by jobgraph for |'));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
    const listed = rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1]).sort();
    expect(listed).toEqual(
      [
        ...PROVIDERS.flatMap((p) => [...p.permissions]),
        ...sqsActions(),
        ...stsActions().needed,
        ...policyActions('jobgraph-logs.json'),
      ].sort(),
    );
  });

  it('links each policy from docs/accounts.md, the read policy from the README and the events policy from docs/events.md', () => {
    const accounts = read('docs/accounts.md');
    for (const file of readdirSync(new URL('docs/iam/', ROOT)).filter((f) => f.endsWith('.json')))
      expect(accounts, file).toContain(`(iam/${file})`);
    expect(read('README.md')).toContain('(docs/iam/jobgraph-read.json)');
    expect(read('docs/events.md')).toContain('(iam/jobgraph-events.json)');
    expect(read('docs/logs.md')).toContain('(iam/jobgraph-logs.json)');
  });

  it('finds every file that signs an AWS call among those this test reads', () => {
    // A new call site (another SDK client, another signed request) must be added above.
    const signing =
      /sendSignedPost\(|@aws-sdk\/client-|fromTemporaryCredentials\(|awsWire\(|awsJsonOperation\(|awsJsonWire</;
    const src = new URL('src/', ROOT);
    const files = (readdirSync(src, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.startsWith('emulators'))
      .filter((f) => signing.test(readFileSync(join(src.pathname, f), 'utf8')));
    const known = (f: string) =>
      AWS.some((p) => f.startsWith(join('datasources', folderOf(p)))) ||
      [
        'datasources/shared/awsCall.ts',
        'datasources/shared/accounts.ts',
        'datasources/shared/callerIdentity.ts',
        'datasources/shared/sigv4.ts',
        'datasources/events/sqs.ts',
        'datasources/logs/cloudWatchLogs.ts',
      ].includes(f);
    expect(files.filter((f) => !known(f))).toEqual([]);
  });
});
