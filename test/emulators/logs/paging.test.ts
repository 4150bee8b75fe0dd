import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  type GetLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEMO_AWS_ACCOUNT_ID } from '@jobgraph/emulators/accounts';
import { startEmulator, type RunningEmulator } from '@jobgraph/emulators/framework';
import { createLogsEmulator, type LogsEmulator } from '@jobgraph/emulators/logs/emulator';
import {
  EVENT_OVERHEAD_BYTES,
  MAX_EVENTS_PER_PAGE,
  MAX_PAGE_BYTES,
} from '@jobgraph/emulators/logs/paging';
import { realPart, requirePart } from '../../support/realParts.ts';
import { demoSdkConfig, useSdkClients } from '../../support/sdkClients.ts';
import { useStarted } from '../../support/useStarted.ts';
import { awsCliEnv } from '../awsCli.ts';

/**
 * GetLogEvents' paging, as two independent readers of the wire see it: the real
 * `@aws-sdk/client-cloudwatch-logs` client and the AWS CLI's `aws logs get-log-events` (botocore),
 * each walking a 25,000-line stream forward from its head and backward from its tail, token by
 * token until the token sent comes back. Both must read the same pages, and those pages must be
 * the stream: every line once, in order, each page within 1 MB and 10,000 events.
 */
const cli = realPart('aws-cli');
const run = promisify(execFile);
const LINES = 25_000;
const GROUP = '/aws/batch/job';
const STREAM = 'oracle/default/0123456789abcdef0123456789abcdef';

let logs!: LogsEmulator;
const emulator: RunningEmulator = useStarted(
  'the CloudWatch Logs emulator',
  () => {
    logs = createLogsEmulator();
    // Lines of varied length, some with multi-byte characters (the 1 MB cap counts bytes).
    logs.streams.put(
      { accountId: DEMO_AWS_ACCOUNT_ID, region: 'us-east-1', group: GROUP, stream: STREAM },
      Array.from({ length: LINES }, (_, i) => ({
        timestamp: 1_764_000_000_000 + i * 10,
        message: `line ${i} ${i % 7 === 0 ? 'déjà vu → ' : ''}${'·'.repeat(i % 50)}${'x'.repeat(60)}`,
      })),
    );
    return startEmulator(logs);
  },
  (e) => e.close(),
);
const keep = useSdkClients();

interface Page {
  events: { timestamp: number; message: string; ingestionTime: number }[];
  nextForwardToken: string;
  nextBackwardToken: string;
}

type Reader = (input: { startFromHead: boolean; nextToken?: string }) => Promise<Page>;

const sdkReader = (): Reader => {
  const client = keep(new CloudWatchLogsClient(demoSdkConfig(emulator.url)));
  return async (input) => {
    const out = await client.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: STREAM,
        ...input,
      } satisfies GetLogEventsCommandInput),
    );
    return {
      events: (out.events ?? []).map((e) => ({
        timestamp: e.timestamp as number,
        message: e.message as string,
        ingestionTime: e.ingestionTime as number,
      })),
      nextForwardToken: out.nextForwardToken as string,
      nextBackwardToken: out.nextBackwardToken as string,
    };
  };
};

const cliReader = (): Reader => async (input) => {
  const args = ['logs', 'get-log-events', '--endpoint-url', emulator.url, '--output', 'json'];
  args.push('--log-group-name', GROUP, '--log-stream-name', STREAM);
  args.push(input.startFromHead ? '--start-from-head' : '--no-start-from-head');
  if (input.nextToken) args.push('--next-token', input.nextToken);
  // A page of JSON runs past execFile's default 1 MB of output.
  const { stdout } = await run(requirePart('aws-cli'), args, {
    env: awsCliEnv({ AWS_MAX_ATTEMPTS: '1' }),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Page;
};

/** Every page of a walk: from the head forward, or from the tail backward, until the token sent comes back. */
async function walk(read: Reader, direction: 'forward' | 'backward'): Promise<Page[]> {
  const startFromHead = direction === 'forward';
  const pages: Page[] = [await read({ startFromHead })];
  for (;;) {
    const last = pages[pages.length - 1]!;
    const nextToken = startFromHead ? last.nextForwardToken : last.nextBackwardToken;
    const page = await read({ startFromHead, nextToken });
    pages.push(page);
    const back = startFromHead ? page.nextForwardToken : page.nextBackwardToken;
    if (back === nextToken) {
      expect(page.events).toEqual([]);
      return pages;
    }
    if (pages.length > 20) throw new Error('the walk does not end');
  }
}

function expectTheStream(pages: Page[], direction: 'forward' | 'backward') {
  for (const page of pages) {
    expect(page.events.length).toBeLessThanOrEqual(MAX_EVENTS_PER_PAGE);
    const bytes = page.events.reduce(
      (n, e) => n + Buffer.byteLength(e.message) + EVENT_OVERHEAD_BYTES,
      0,
    );
    expect(bytes).toBeLessThanOrEqual(MAX_PAGE_BYTES);
  }
  const ordered = direction === 'forward' ? pages : [...pages].reverse();
  const lines = ordered.flatMap((p) => p.events.map((e) => e.message));
  expect(lines).toHaveLength(LINES);
  expect(lines.every((m, i) => m.startsWith(`line ${i} `))).toBe(true);
  // More than one full page: the 1 MB cap, not the stream's end, made the pages.
  expect(pages.length).toBeGreaterThan(3);
}

describe('GetLogEvents paging on a 25,000-line stream', () => {
  it.each(['forward', 'backward'] as const)(
    'reads every line once %s with the SDK client, in pages of at most 1 MB',
    async (direction) => {
      expectTheStream(await walk(sdkReader(), direction), direction);
    },
  );

  describe.skipIf(cli.skip)('the AWS CLI', () => {
    it.each(['forward', 'backward'] as const)(
      'reads the same pages %s as the SDK client, token for token',
      async (direction) => {
        const viaCli = await walk(cliReader(), direction);
        expect(viaCli).toEqual(await walk(sdkReader(), direction));
        expectTheStream(viaCli, direction);
      },
      120_000,
    );
  });
});
