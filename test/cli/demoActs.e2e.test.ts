// A demo that acts (issue 89, item 2): `jobgraph demo` (what `npm start` runs) prints a token that
// cancels and terminates the demo's jobs (its actions on), makes notification rules and reads
// job logs, and says how to mint others; that token terminates a demo job, the reader's cannot.
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { useDemoProcess } from '../support/demoProcess.ts';

const TERMINATE = `mutation($id: ID!) { terminateJob(id: $id, reason: "demo: runaway cost") { outcome } }`;
const JOB = `query($id: ID!) { job(id: $id) { state actionsTaken { action subject reason outcome } } }`;

describe('The demo banner’s operator token', () => {
  // A history of its own: the audit rows this test reads are its own.
  const { demo } = useDemoProcess('jobgraph-demo-acts-');
  let writer: string;
  beforeAll(() => {
    writer = /\d\. Operator — [^\n]*\n {4}Authorization: Bearer (\S+)/.exec(
      demo.output.stdout,
    )?.[1] as string;
  });

  const ask = async (token: string, query: string, variables: unknown) => {
    const res = await fetch(demo.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as {
      data?: Record<string, unknown> | null;
      errors?: { extensions?: { code?: string } }[];
    };
  };

  it('is printed with what it may do, and a line on minting others', () => {
    expect(decodeJwt(writer).scope).toBe('jobs:read jobs:write notifications:write jobs:logs:read');
    expect(decodeJwt(writer).sub).toBe('demo-operator');
    expect(demo.output.stdout).toContain(
      "  3. Operator — jobs:read jobs:write notifications:write jobs:logs:read, every account: cancels, terminates and reruns the demo's jobs (JOBGRAPH_ACTIONS=cancel,terminate,rerun), makes notification rules, reads job logs",
    );
    expect(demo.output.stdout).toMatch(/npm run jobgraph -- token --scopes "jobs:read"/);
    expect(demo.output.stdout).toMatch(
      /Scopes: jobs:read, jobs:write, jobs:secrets:read, jobs:logs:read, notifications:write/,
    );
  });

  it('lists every token it prints once, each with what it may do and a console link that signs in as it', () => {
    const out = demo.output.stdout;
    const listed = [
      ...out.matchAll(
        /^ {2}(\d)\. ([^\n]+)\n {4}Authorization: Bearer (\S+)\n {4}console: (\S+)#token=(\S+)$/gm,
      ),
    ];
    expect(listed.map((m) => m[1])).toEqual(['1', '2', '3', '4', '5']);
    for (const m of listed) expect(m[5]).toBe(m[3]);
    const listedTokens = new Set(listed.map((m) => m[3]));
    // Every bearer token the banner uses anywhere (the notification example's included) is listed.
    const used = [...out.matchAll(/Bearer ([A-Za-z0-9._-]{40,})/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(5);
    for (const token of used) expect(listedTokens.has(token)).toBe(true);
    expect(listed.map((m) => decodeJwt(m[3]!).scope)).toEqual([
      'jobs:read',
      'jobs:read jobs:secrets:read',
      'jobs:read jobs:write notifications:write jobs:logs:read',
      'jobs:read notifications:write',
      'jobs:read',
    ]);
  });

  it('terminates a running demo job, audited under its subject, where the reader’s token is refused', async () => {
    const id = `batch:us-east-1:${BATCH_JOB_IDS.running}`;
    const refused = await ask(demo.token, TERMINATE, { id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const done = await ask(writer, TERMINATE, { id });
    expect(done.errors).toBeUndefined();
    expect(done.data?.terminateJob).toEqual({ outcome: 'REQUESTED' });
    const job = (await ask(writer, JOB, { id })).data?.job as {
      state: string;
      actionsTaken: unknown[];
    };
    // The reader's refusal is audited too, before the operator's action.
    expect(job.actionsTaken).toEqual([
      expect.objectContaining({ action: 'TERMINATE', subject: 'demo-reader' }),
      {
        action: 'TERMINATE',
        subject: 'demo-operator',
        reason: 'demo: runaway cost',
        outcome: 'REQUESTED',
      },
    ]);
    expect(job.state).toBe('FAILED');
  });
});
