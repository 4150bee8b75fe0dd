import { expect } from 'vitest';
import type { UpstreamError } from '../../../src/errors.ts';
import type { JobState } from '../../../src/model/job.ts';

/** The client-visible message never carries a URL, an upstream message or a body fragment. */
export function expectCleanMessage(err: UpstreamError, body = ''): void {
  expect(err.message).not.toMatch(/https?:\/\//);
  expect(err.message).not.toMatch(/[<>]/);
  const upstreamMessage = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (upstreamMessage) expect(err.message).not.toContain(upstreamMessage);
  expect(JSON.stringify(err)).not.toMatch(/https?:\/\//);
}

/** The tests' own state table, written from the Developer Guide's ProgressCode list (independent of record.ts). */
export const EXPECTED_STATES: Readonly<Record<string, JobState>> = {
  Pending: 'QUEUED',
  InProgress: 'IN_PROGRESS',
  Complete: 'SUCCEEDED',
  SuccessWithErrors: 'SUCCEEDED_WITH_ERRORS',
  Canceled: 'CANCELLED',
  Expired: 'FAILED',
  DeviceError: 'FAILED',
  InvalidSignature: 'FAILED',
  MissingDevice: 'FAILED',
  MissingSignature: 'FAILED',
  UnsupportedDeviceType: 'FAILED',
  UnsupportedFileFormat: 'FAILED',
  UnsupportedPowerSupply: 'FAILED',
};
