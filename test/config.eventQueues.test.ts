import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.ts';

const ACCOUNTS = {
  JOBGRAPH_AWS_ACCOUNTS:
    'staging=arn:aws:iam::210987654321:role/jobgraph-read,prod=arn:aws:iam::111122223333:role/jobgraph-read',
};
const URL_A = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobgraph-events';
const URL_B = 'https://sqs.eu-west-1.amazonaws.com/210987654321/jobgraph-events';
const URL_C = 'https://sqs.us-east-1.amazonaws.com/111122223333/collector';

const queuesOf = (value: string) =>
  loadConfig({ mode: 'live' }, { ...ACCOUNTS, JOBGRAPH_EVENT_QUEUES: value }).events.queues;

describe('Event queues (JOBGRAPH_EVENT_QUEUES)', () => {
  it('makes a bare URL speak for the default account, alias=url for that alias, in the queue region only', () => {
    expect(queuesOf(`${URL_A},staging=${URL_B}`)).toEqual([
      expect.objectContaining({ alias: 'default', speaksFor: ['default'], region: 'us-east-1' }),
      expect.objectContaining({ alias: 'staging', speaksFor: ['staging'], region: 'eu-west-1' }),
    ]);
  });

  it('reads a collector queue with its first account and makes it speak for every account listed', () => {
    expect(queuesOf(`prod+default+staging=${URL_C}`)).toEqual([
      expect.objectContaining({
        alias: 'prod',
        speaksFor: ['prod', 'default', 'staging'],
        label: 'prod:us-east-1:collector',
      }),
    ]);
  });

  it.each([
    [`prod+nobody=${URL_C}`, /"nobody" is not an alias/],
    [`prod+prod=${URL_C}`, /names an account twice/],
    [`+prod=${URL_C}`, /"" is not an alias/],
  ])('refuses %s at start', (value, message) => {
    expect(() => queuesOf(value)).toThrow(ConfigError);
    expect(() => queuesOf(value)).toThrow(message);
  });
});
