import { awsEmulator, madeUpIds, type EmulatorDescriptor } from '../descriptor.ts';
import * as data from './data.ts';
import { createCodePipelineEmulator } from './emulator.ts';
import { CODEPIPELINE_PROGRESSING_JOB_ID, CODEPIPELINE_PROGRESS_PHASES } from './progressing.ts';
import { CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS } from './secondAccount.ts';

/**
 * AWS CodePipeline's emulator: the demo region's job worker jobs. No list operation that only
 * reads, and GetJobDetails has no status: its progress phases are the artifact-credential sessions.
 */
export const codepipelineEmulator = {
  ...awsEmulator('codepipeline', 'AWS CodePipeline', 5),
  data,
  progressingJobId: `codepipeline:${data.DEMO_REGION}:${CODEPIPELINE_PROGRESSING_JOB_ID}`,
  progressPhases: CODEPIPELINE_PROGRESS_PHASES,
  noStatus: 'no status on the wire: only its credentials rotate',
  // Demo and error-case IDs start `c0de`.
  madeUpIds: madeUpIds((f) => `f4e5000${f}-0000-4000-8000-`),
  create: ({ now, epochMs, accounts, events }) =>
    createCodePipelineEmulator({ now, epochMs, accounts, ...(events ? { events } : {}) }),
  secondAccount: {
    shared: { region: data.DEMO_REGION, jobId: CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS.shared },
    example: { region: data.DEMO_REGION, jobId: CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS.build },
  },
} as const satisfies EmulatorDescriptor<
  'codepipeline',
  typeof data,
  { region: string; jobId: string }
>;
