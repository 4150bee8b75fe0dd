import { describe, expect, it } from 'vitest';
import { PATTERNS } from '../../src/config/patterns.ts';
import { kindOf, providerOf } from '../../src/datasources/registry.ts';
import {
  DEMO_DATA,
  exampleGlobalIds,
  exampleSecondAccountJobs,
  listedDemoJobs,
  MADE_UP_IDS,
  progressingJobIds,
  SHARED_NATIVE_JOB_IDS,
  type EmulatorName,
} from '@jobgraph/emulators';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { EMULATOR_NAMES, emulatorOf, gql, resetFaults } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/** The families of made-up IDs (MADE_UP_IDS) this test asks for: the knob's, and one it leaves unknown. */
const SYNTHESIZED = 1;
const UNKNOWN = 2;

const FIELDS =
  'id nativeId provider region state providerStatus statusMessage terminal createdAt updatedAt completedAt';
const QUERY = `query ($ids: [ID!]!) { jobs(ids: $ids) { ${FIELDS} } }`;

const nativeOf = (globalId: string) => globalId.slice(globalId.lastIndexOf(':') + 1);
const withNative = (globalId: string, native: string) =>
  `${globalId.slice(0, globalId.lastIndexOf(':') + 1)}${native}`;

/** A global ID's native job ID: its key's last part (an array child's `parent:index` whole). */
const nativeIdOf = (globalId: string): string => {
  const key = parseGlobalId(globalId);
  // The last part of its kind's key: a run's run ID, a reference import's job ID.
  return (key as unknown as Record<string, string>)[kindOf(key).key.parts.at(-1)![0]] as string;
};

describe("The emulators' made-up job IDs", () => {
  it("are valid for the provider's ID pattern, of one width, and no job of the emulator's data has one", () => {
    const anchor = Date.now();
    const listed = [
      listedDemoJobs(anchor),
      listedDemoJobs(anchor, { account: 'staging' }),
      listedDemoJobs(anchor, { jobsPerSource: 200 }),
    ].flatMap((byEmulator) =>
      Object.values(byEmulator)
        .flat()
        .map((j) => j.globalId),
    );
    const secondAccount = exampleSecondAccountJobs();
    for (const name of EMULATOR_NAMES) {
      const known = [
        ...DEMO_DATA[name].DEMO_GLOBAL_IDS,
        ...Object.values(DEMO_DATA[name].ERROR_CASE_GLOBAL_IDS),
        progressingJobIds(anchor, anchor)[name],
        ...listed.filter((id) => emulatorOf(id) === name),
      ].map(nativeIdOf);
      known.push(SHARED_NATIVE_JOB_IDS[name].jobId, secondAccount[name].jobId);
      expect(known.length, name).toBeGreaterThan(10);
      const key = parseGlobalId(DEMO_DATA[name].EXAMPLE_GLOBAL_ID);
      const pattern = PATTERNS[providerOf(key.provider).key.parts.at(-1)![1]].re;
      const made = MADE_UP_IDS[name];
      const families = Array.from({ length: 10 }, (_, f) => f);
      for (const f of families) {
        const ids = [made.id(f, 0), made.id(f, 1), made.id(f, 10 ** 12 - 1)];
        for (const id of ids) {
          expect(id, name).toMatch(pattern);
          expect(id.startsWith(made.prefix(f)), id).toBe(true);
          expect(id.length, id).toBe(ids[0]!.length);
        }
        for (const g of families)
          if (g !== f)
            expect(made.prefix(f).startsWith(made.prefix(g)), `${name} ${f} ${g}`).toBe(false);
        expect(
          known.filter((id) => id.startsWith(made.prefix(f))),
          `${name} ${f}`,
        ).toEqual([]);
      }
      expect(() => made.id(10, 0)).toThrow(RangeError);
      expect(() => made.id(0, 10 ** 12)).toThrow(RangeError);
      expect(() => made.id(0, -1)).toThrow(RangeError);
    }
  });
});

describe('emulator knob `synthesize`', () => {
  const gateway = useTestGateway();

  it('answers an unknown ID with the given prefix as a full copy of the template job, ID substituted; other unknown IDs stay not found', async () => {
    const templates = exampleGlobalIds();
    const native = (name: EmulatorName, family: number) => MADE_UP_IDS[name].id(family, 1);
    const fresh = EMULATOR_NAMES.map((name) =>
      withNative(templates[name], native(name, SYNTHESIZED)),
    );
    const other = EMULATOR_NAMES.map((name) => withNative(templates[name], native(name, UNKNOWN)));

    const off = await gql(gateway, QUERY, {
      variables: { ids: fresh },
      token: gateway.tokens.read,
    });
    expect(off.body.data?.jobs).toEqual(fresh.map(() => null));

    for (const name of EMULATOR_NAMES)
      gateway.emulators[name].setFaults({
        synthesize: { [MADE_UP_IDS[name].prefix(SYNTHESIZED)]: nativeOf(templates[name]) },
      });
    try {
      const ids = [...EMULATOR_NAMES.map((n) => templates[n]), ...fresh, ...other];
      const on = await gql<{ jobs: (Record<string, unknown> | null)[] }>(gateway, QUERY, {
        variables: { ids },
        token: gateway.tokens.read,
      });
      const jobs = on.body.data?.jobs ?? [];
      const n = EMULATOR_NAMES.length;
      EMULATOR_NAMES.forEach((name, i) => {
        const template = jobs[i] as Record<string, unknown>;
        const copy = jobs[i + n] as Record<string, unknown>;
        expect(template.id).toBe(templates[name]);
        expect(copy).toEqual({ ...template, id: fresh[i], nativeId: native(name, SYNTHESIZED) });
        expect(jobs[i + 2 * n]).toBeNull();
      });
      for (const name of EMULATOR_NAMES)
        expect(gateway.emulators[name].calls.map((c) => c.status)).toContain(200);
    } finally {
      resetFaults(gateway);
    }
  });
});
