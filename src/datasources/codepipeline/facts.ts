import { headerFacts, type JobFacts } from '../../model/facts.ts';
import type { CodePipelineJobRecord } from './record.ts';

/**
 * A CodePipeline job's facts (`Provider.facts`): its pipeline's name, and nothing more — GetJobDetails
 * carries no status, message or times, and no field its failure could be read from.
 */
export function codePipelineFacts(record: Partial<CodePipelineJobRecord>): JobFacts {
  return headerFacts(record);
}
