// A demo that stays true (issue 89, item 5): the demo's jobs are dated relative to when the
// emulators start, so on a fresh demo `jobgraph history prune` (the real CLI, its default
// retention) keeps the README's example jobs; before, it deleted those dated 2016 and 2024.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useDemoProcess } from '../support/demoProcess.ts';

const bin = fileURLToPath(new URL('../../bin/jobgraph.mjs', import.meta.url));
const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
/** The README's table of one example global ID per provider. */
const exampleTable = readme.split('| provider | example global ID |')[1]!.split('\n\n')[0]!;
const EXAMPLE_IDS = [...exampleTable.matchAll(/^\| [^|]+ \| `([a-z]+:[^`]+)` \|$/gm)].map(
  (m) => m[1]!,
);

const JOB = `query($id: ID!) { job(id: $id) { id createdAt } }`;

describe("A fresh demo's history prune", () => {
  const { demo, dataDir } = useDemoProcess('jobgraph-demo-prune-');
  const historyFile = join(dataDir, 'history.sqlite');

  it("keeps the README's example jobs", async () => {
    expect(EXAMPLE_IDS.length).toBeGreaterThanOrEqual(6);
    const startedMs = Date.now();
    for (const id of EXAMPLE_IDS) {
      const res = await fetch(demo.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.token}` },
        body: JSON.stringify({ query: JOB, variables: { id } }),
      });
      const body = (await res.json()) as {
        data: { job: { id: string; createdAt: string | null } };
      };
      expect(body.data?.job?.id, JSON.stringify(body)).toBe(id);
      // Created before the demo started and within the default retention (400 days) of it;
      // CodePipeline's job has no creation time (the history dates it when first seen).
      if (!id.startsWith('codepipeline:')) {
        const created = Date.parse(body.data.job.createdAt ?? '');
        expect(created, id).toBeLessThan(startedMs);
        expect(startedMs - created, id).toBeLessThan(400 * 86_400_000);
      }
    }
    // The demo writes each job it answered to its history; stopping it closes the store.
    demo.child.kill('SIGTERM');
    await demo.exited;

    const pruned = await promisify(execFile)(process.execPath, [bin, 'history', 'prune'], {
      env: { PATH: process.env.PATH ?? '', JOBGRAPH_DATA_DIR: dataDir },
    });
    expect(pruned.stdout).toMatch(/^pruned 0 job\(s\) older than 400 days from sqlite:/);

    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(historyFile, { readOnly: true });
    try {
      const kept = db
        .prepare(`SELECT id FROM jobs WHERE id IN (${EXAMPLE_IDS.map(() => '?').join(', ')})`)
        .all(...EXAMPLE_IDS)
        .map((row) => row.id);
      expect(kept.sort()).toEqual([...EXAMPLE_IDS].sort());
    } finally {
      db.close();
    }
  });
});
