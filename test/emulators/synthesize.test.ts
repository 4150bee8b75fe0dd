import { describe, expect, it } from 'vitest';
import { exampleGlobalIds, type EmulatorName } from '../../src/emulators/index.ts';
import { EMULATOR_NAMES, gql, resetFaults } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * Per provider: a prefix for made-up IDs (valid for the provider's ID pattern), one such ID, and
 * what replaces the prefix for an ID the knob leaves unknown.
 */
const FRESH = {
  panorama: { prefix: 'pkgimport-synth-', id: 'pkgimport-synth-0001', unknown: 'x' },
  omics: { prefix: '98', id: '9800000000000001', unknown: '97' },
  cosbatch: { prefix: 'synth-', id: 'synth-0001', unknown: 'x' },
  importexport: { prefix: 'SYNTH', id: 'SYNTH0001', unknown: 'x' },
  codepipeline: { prefix: '5e7f', id: '5e7f0000-0000-4000-8000-000000000001', unknown: 'x' },
  // A valid UUID the emulator does not know: absent from DescribeJobs' answer (NOT_FOUND).
  batch: { prefix: '5b7f', id: '5b7f0000-0000-4000-8000-000000000001', unknown: '5b7e' },
} as const satisfies Record<EmulatorName, { prefix: string; id: string; unknown: string }>;

const FIELDS =
  'id nativeId provider region state providerStatus statusMessage terminal createdAt updatedAt completedAt';
const QUERY = `query ($ids: [ID!]!) { jobs(ids: $ids) { ${FIELDS} } }`;

const nativeOf = (globalId: string) => globalId.slice(globalId.lastIndexOf(':') + 1);
const withNative = (globalId: string, native: string) =>
  `${globalId.slice(0, globalId.lastIndexOf(':') + 1)}${native}`;

describe('emulator knob `synthesize`', () => {
  const gateway = useTestGateway();

  it('answers an unknown ID with the given prefix as a full copy of the template job, ID substituted; other unknown IDs stay not found', async () => {
    const templates = exampleGlobalIds();
    const fresh = EMULATOR_NAMES.map((name) => withNative(templates[name], FRESH[name].id));
    const other = EMULATOR_NAMES.map((name) =>
      withNative(templates[name], FRESH[name].id.replace(FRESH[name].prefix, FRESH[name].unknown)),
    );

    const off = await gql(gateway, QUERY, {
      variables: { ids: fresh },
      token: gateway.tokens.read,
    });
    expect(off.body.data?.jobs).toEqual(fresh.map(() => null));

    for (const name of EMULATOR_NAMES)
      gateway.emulators[name].setFaults({
        synthesize: { [FRESH[name].prefix]: nativeOf(templates[name]) },
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
        expect(copy).toEqual({ ...template, id: fresh[i], nativeId: FRESH[name].id });
        expect(jobs[i + 2 * n]).toBeNull();
      });
      for (const name of EMULATOR_NAMES)
        expect(gateway.emulators[name].calls.map((c) => c.status)).toContain(200);
    } finally {
      resetFaults(gateway);
    }
  });
});
