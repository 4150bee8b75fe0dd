import { expect } from 'vitest';
import { DEMO_DATA } from '@jobgraph/emulators';
import { startOtherTeamSubgraphs, type DeploymentSeed } from './deploymentsSubgraph.ts';

/** The demo's example CodePipeline job's global ID (codepipeline:us-east-1:<uuid>) and native ID. */
export const CP = DEMO_DATA.codepipeline.EXAMPLE_GLOBAL_ID;
export const CP_NATIVE = CP.split(':')[2] as string;
export const IE = DEMO_DATA.importexport.EXAMPLE_GLOBAL_ID;
export const OMICS = DEMO_DATA.omics.EXAMPLE_GLOBAL_ID;

/**
 * The other team's subgraphs (test/support/deploymentsSubgraph.ts): `web-prod` deploys with the
 * example CodePipeline job and relates `relatedJobIds`, then the `more` deployments; alice and bob
 * watch that job, carol the Import/Export example, carol and dave the Omics one.
 */
export const startOtherTeam = (relatedJobIds: string[], more: DeploymentSeed[] = []) =>
  startOtherTeamSubgraphs(
    [
      {
        name: 'web-prod',
        environment: 'production',
        pipelineJob: { region: 'us-east-1', nativeId: CP_NATIVE },
        relatedJobIds,
      },
      ...more,
    ],
    { [CP]: ['alice', 'bob'], [IE]: ['carol'], [OMICS]: ['carol', 'dave'] },
  );

/**
 * The demo's secret values and temporary access key IDs that stand in `data`, serialised, after
 * expecting more than `moreThan` of them.
 */
export function secretValuesIn(data: unknown, moreThan: number): string[] {
  const values = JSON.stringify(data).match(/DEMO-[A-Z-]+-[A-Za-z0-9-]+|ASIA[A-Z0-9]+/g) ?? [];
  expect(values.length).toBeGreaterThan(moreThan);
  return values;
}
