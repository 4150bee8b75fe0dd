// The demo's history is its own (issue 106, item 3): `npm start` twice showed the first run's jobs
// "first seen" before the second began, and its progressing job's old runs as stuck at "Queued".
// Unless JOBGRAPH_DATA_DIR names a place, each `jobgraph demo` keeps its history in a new folder
// of its own, deleted when it stops, and writes nothing into the folder it was started in; a place
// the user names is kept, and the banner says it held a history already.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoProcess, type DemoProcess } from '../support/demoProcess.ts';

const READ = `query($id: ID!) { job(id: $id) { id } }`;
const HISTORY = `{ jobHistory(first: 100) { edges { node { id transitions { at } } } } }`;
const JOB = 'importexport:CMPL1';

async function gql(demo: DemoProcess, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(demo.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data!;
}
const historyIds = async (demo: DemoProcess) =>
  ((await gql(demo, HISTORY)).jobHistory.edges as { node: { id: string } }[]).map((e) => e.node.id);
const historyLine = (demo: DemoProcess) => /^ {2}History: (.*)$/m.exec(demo.output.stdout)?.[1];
async function stop(demo: DemoProcess): Promise<void> {
  demo.child.kill('SIGTERM');
  expect((await demo.exited)[0]).toBe(0);
}

const started = mkdtempSync(join(tmpdir(), 'jobgraph-demo-cwd-'));
const named = mkdtempSync(join(tmpdir(), 'jobgraph-demo-named-'));
afterAll(() => {
  rmSync(started, { recursive: true, force: true });
  rmSync(named, { recursive: true, force: true });
});

describe('The demo’s history', () => {
  it('is each run’s own, started clean in a folder of its own and deleted at the stop; nothing is written where the demo was started', async () => {
    const first = await startDemoProcess({}, started);
    const folder = /new in (\S+),/.exec(historyLine(first) ?? '')?.[1] as string;
    expect(historyLine(first)).toMatch(/^this run's own, new in .+, deleted when the demo stops/);
    expect(folder.startsWith(tmpdir())).toBe(true);
    await gql(first, READ, { id: JOB });
    await expect.poll(() => historyIds(first)).toContain(JOB);
    expect(readdirSync(folder)).toContain('history.sqlite');
    await stop(first);
    expect(existsSync(folder)).toBe(false);

    const second = await startDemoProcess({}, started);
    try {
      const again = /new in (\S+),/.exec(historyLine(second) ?? '')?.[1];
      expect(again).not.toBe(folder);
      // The first run's job is not in the second's history: it holds only its own runs.
      expect(await historyIds(second)).not.toContain(JOB);
    } finally {
      await stop(second);
    }
    expect(readdirSync(started)).toEqual([]);
  });

  it('is kept where JOBGRAPH_DATA_DIR names, and the banner says when it held a history already', async () => {
    const first = await startDemoProcess({ JOBGRAPH_DATA_DIR: named }, started);
    expect(historyLine(first)).toBe(`${join(named, 'history.sqlite')}, new, kept across runs.`);
    await gql(first, READ, { id: JOB });
    await expect.poll(() => historyIds(first)).toContain(JOB);
    await stop(first);
    const second = await startDemoProcess({ JOBGRAPH_DATA_DIR: named }, started);
    try {
      expect(historyLine(second)).toMatch(
        /, kept across runs: it held a history when this demo started, so jobs of earlier runs show as they were then\.$/,
      );
      expect(await historyIds(second)).toContain(JOB);
    } finally {
      await stop(second);
    }
    expect(readdirSync(started)).toEqual([]);
  });
});
