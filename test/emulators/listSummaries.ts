import type { GetReferenceImportJobCommandOutput } from '@aws-sdk/client-omics';
import type { DescribePackageImportJobCommandOutput } from '@aws-sdk/client-panorama';
import { XMLParser } from 'fast-xml-parser';
import { expect } from 'vitest';
import type { RawAnswer } from './listClient.ts';

/*
 * What a list operation says of a job, as the provider's describe operation describes the same
 * job: the list tests compare every summary they check with one of these.
 */

/** A job's ListPackageImportJobs summary, from its DescribePackageImportJob answer. */
export function panoramaSummaryOf(job: DescribePackageImportJobCommandOutput) {
  const { JobId, JobType, Status, StatusMessage, CreatedTime, LastUpdatedTime } = job;
  return { JobId, JobType, Status, StatusMessage, CreatedTime, LastUpdatedTime };
}

/** A job's ListReferenceImportJobs item, from its GetReferenceImportJob answer. */
export function omicsItemOf(job: GetReferenceImportJobCommandOutput) {
  const { id, referenceStoreId, roleArn, status, creationTime, completionTime } = job;
  return {
    id,
    referenceStoreId,
    roleArn,
    status,
    creationTime,
    ...(completionTime === undefined ? {} : { completionTime }),
  };
}

const xml = new XMLParser({ parseTagValue: false });

/** A job's COS Batch ListJobs member (its text as sent), from its DescribeJob answer. */
export function cosMemberOf(describeJob: RawAnswer) {
  expect(describeJob.status).toBe(200);
  const job = (
    xml.parse(describeJob.body) as { DescribeJobResult: { Job: Record<string, unknown> } }
  ).DescribeJobResult.Job;
  const progress = job.ProgressSummary as Record<string, unknown>;
  return {
    CreationTime: job.CreationTime,
    ...(job.Description === undefined ? {} : { Description: job.Description }),
    JobId: job.JobId,
    Operation: Object.keys(job.Operation as object)[0],
    Priority: job.Priority,
    ProgressSummary: {
      NumberOfTasksFailed: progress.NumberOfTasksFailed,
      NumberOfTasksSucceeded: progress.NumberOfTasksSucceeded,
      TotalNumberOfTasks: progress.TotalNumberOfTasks,
    },
    Status: job.Status,
    ...(job.TerminationDate === undefined ? {} : { TerminationDate: job.TerminationDate }),
  };
}
