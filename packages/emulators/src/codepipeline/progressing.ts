import { cyclePhases, phaseAt, type CyclePoint } from '../progress.ts';
import {
  context,
  DEMO_ACCOUNT_ID,
  PROGRESSING_CREDENTIALS,
  s3Artifact,
  type WireJobDetails,
} from './data.ts';

/**
 * The progressing CodePipeline custom-action job. `GetJobDetails` carries no status and no
 * timestamp (the job-status enum Created | Queued | Dispatched | InProgress | Succeeded | … is
 * only in AcknowledgeJob's answer, which claims the job), so what moves is what the API reference
 * documents: "a long-running job can call GetJobDetails again to obtain new credentials" — the
 * artifact credentials are a new STS session in each 15 s phase. jobgraph reads this job as
 * UNKNOWN, never terminal, all cycle long.
 *
 * It keeps this one ID across cycles, where CodePipeline makes a new job for each action
 * execution: with no status on the wire its timeline is UNKNOWN throughout and never goes from a
 * finished state back, so only its `STARTED` event each cycle (under the same IDs) says what a new
 * execution would; a new job and execution ID per cycle, with `cycleRuns` (packages/emulators/src/progress.ts),
 * is still to do.
 */
export const CODEPIPELINE_PROGRESSING_JOB_ID = 'c0de0100-7e57-4b1d-8a11-000000000100';

/** Phase `k` serves session `k` of PROGRESSING_CREDENTIALS; the status is not on the wire (null). */
export const CODEPIPELINE_PROGRESS_PHASES = cyclePhases(
  PROGRESSING_CREDENTIALS.map((_, k) => [`session ${k + 1}`, (k + 1) * 15_000]),
);

const PIPELINE = 'demo-long-running';

/** The jobDetails at a point of the cycle, written by the same serializer as the static demo jobs. */
export function codePipelineProgressingJob(point: CyclePoint): WireJobDetails {
  const phase = phaseAt(CODEPIPELINE_PROGRESS_PHASES, point.offsetMs);
  const session = PROGRESSING_CREDENTIALS[
    CODEPIPELINE_PROGRESS_PHASES.indexOf(phase)
  ] as (typeof PROGRESSING_CREDENTIALS)[number];
  return {
    id: CODEPIPELINE_PROGRESSING_JOB_ID,
    accountId: DEMO_ACCOUNT_ID,
    data: {
      actionTypeId: {
        category: 'Build',
        owner: 'Custom',
        provider: 'JobgraphDemoLongBuild',
        version: '1',
      },
      actionConfiguration: { configuration: { ProjectName: 'long-running-build' } },
      pipelineContext: context(
        PIPELINE,
        'Build',
        'LongBuild',
        '6d5c4b3a-2918-4f7e-8d6c-5b4a39281706',
        'c9d0e1f2-a3b4-4567-8234-567890123456',
      ),
      inputArtifacts: [
        s3Artifact(
          PIPELINE,
          'SourceOutput',
          'SourceOutp/Lr9pQ2x',
          '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567',
        ),
      ],
      outputArtifacts: [s3Artifact(PIPELINE, 'BuildOutput', 'BuildOutpu/Wm4nB7z')],
      artifactCredentials: { ...session },
    },
  };
}
