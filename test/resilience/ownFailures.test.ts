import { beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import * as codepipelineParse from '../../src/datasources/codepipeline/parse.ts';
import * as cosbatchParse from '../../src/datasources/cosbatch/parse.ts';
import * as importexportParse from '../../src/datasources/importexport/parse.ts';
import * as omicsParse from '../../src/datasources/omics/parse.ts';
import * as panoramaParse from '../../src/datasources/panorama/parse.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { clearCalls, gql, resetFaults } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const ex = exampleGlobalIds();
const Q = `query($id: ID!) { job(id: $id) { id state } }`;
type Name = keyof typeof ex;

/**
 * A bug in each provider's parse step, injected at the module the source calls (three SDK
 * clients, two hand-made), with the position of the wire argument (the SDK output or the body).
 */
const PARSE_STEPS: [Name, () => MockInstance, number][] = [
  ['codepipeline', () => vi.spyOn(codepipelineParse, 'parse'), 1],
  ['omics', () => vi.spyOn(omicsParse, 'parse'), 1],
  ['panorama', () => vi.spyOn(panoramaParse, 'parse'), 1],
  ['cosbatch', () => vi.spyOn(cosbatchParse, 'parse'), 1],
  ['importexport', () => vi.spyOn(importexportParse, 'parse'), 1],
];

/** Every string the upstream sent that is long enough to recognise: JSON string leaves, XML text nodes. */
function wireValues(wire: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/>([^<>]{10,})</g)) out.push((m[1] as string).trim());
      if (!v.includes('<') && v.length >= 10) out.push(v);
    } else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(wire);
  return out.filter((s) => s.length >= 10);
}

describe("jobgraph's own failures while fetching a job", () => {
  // One counted failure would open a circuit: proves an internal error is not counted.
  const gw = useTestGateway({ JOBGRAPH_BREAKER_FAILURES: '1' });
  beforeEach(() => {
    resetFaults(gw);
    clearCalls(gw);
    gw.logs.lines.length = 0;
  });

  it.each(PARSE_STEPS)(
    '%s: a bug in the parse step is INTERNAL_SERVER_ERROR, asked once, masked with a logged correlation id, not counted',
    async (name, spyOnParse, wireArg) => {
      const spy = spyOnParse().mockImplementation(() => {
        throw new TypeError('injected parse bug');
      });
      let wire: string[];
      try {
        const res = await gql(gw, Q, { variables: { id: ex[name] }, token: gw.tokens.read });
        expect(res.status).toBe(200);
        expect(res.body.data?.job).toBeNull();
        expect(res.body.errors).toEqual([
          {
            message: 'Internal server error',
            path: ['job'],
            locations: expect.any(Array),
            extensions: {
              code: 'INTERNAL_SERVER_ERROR',
              correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
            },
          },
        ]);
        // Not retried: the one answer was read and our own code failed on it.
        expect(gw.emulators[name].calls.map((c) => c.status)).toEqual([200]);
        expect(spy).toHaveBeenCalledTimes(1);
        wire = wireValues(spy.mock.calls[0]?.[wireArg]);
        expect(wire.length).toBeGreaterThan(0);
        // The operator's log line carries the correlation id and the cause, and no value of the record.
        const correlationId = res.body.errors?.[0]?.extensions?.correlationId;
        const lines = gw.logs.lines.map((l) => JSON.parse(l) as Record<string, any>);
        const line = lines.find((l) => l.correlationId === correlationId);
        expect(line).toMatchObject({ level: 50, msg: 'internal error' });
        expect(JSON.stringify(line)).toContain('injected parse bug');
        for (const value of wire) expect(gw.logs.text(), value).not.toContain(value);
      } finally {
        spy.mockRestore();
      }
      // Not counted against the provider: with a breaker that opens on one failure, the next call still goes out.
      clearCalls(gw);
      const next = await gql(gw, Q, { variables: { id: ex[name] }, token: gw.tokens.read });
      expect(next.body.errors).toBeUndefined();
      expect(next.body.data?.job?.id).toBe(ex[name]);
      expect(gw.emulators[name].calls).toHaveLength(1);
    },
  );
});
