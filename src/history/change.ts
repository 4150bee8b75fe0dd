/** One applied change of a job, as the history writer takes it (writer.ts, subscriber.ts). */
import type { JobRecord } from '../model/job.ts';

export type HistorySource = 'READ' | 'EVENT' | 'LIST';

/** One applied change of a job, as the job-state store tells its subscribers. */
export interface HistoryChange {
  readonly record: JobRecord;
  readonly from: string | null;
  readonly to: string;
  readonly providerStatus: string | null;
  /** ISO time of the observation. */
  readonly at: string;
  readonly source: HistorySource;
  readonly eventId?: string;
  readonly account: string;
  /** false: the job's row only (its record became whole, its state did not change). */
  readonly transition?: false;
  /**
   * A provider read that shows another state than the events last told: the job's event
   * transitions since its last read are marked contradicted (at this change's time).
   */
  readonly contradicts?: true;
}
