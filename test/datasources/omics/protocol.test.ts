import { afterEach, describe, expect, it } from 'vitest';
import type { OmicsKey } from '../../../src/model/globalId.ts';
import { omics } from '../../../src/datasources/omics/index.ts';
import type { OmicsReferenceImportJobRecord } from '../../../src/datasources/omics/record.ts';
import type { JobSource } from '../../../src/datasources/shared/types.ts';
import { fixtureLoader, sdkFixtureHandler as fixtureHandler } from '../../support/fixtures.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import { EXAMPLE_JOB, omicsJobFields, omicsRecord, omicsSource } from './expected.ts';
import { oneAttempt } from '../../support/oneAttempt.ts';

const loadFixture = fixtureLoader('omics');

const STORE = '5038720581';
const ROLE = 'arn:aws:iam::123456789012:role/OmicsReferenceImportRole';
const key = (id: string, referenceStoreId = STORE): OmicsKey => ({
  provider: 'AWS_OMICS',
  region: 'us-east-1',
  referenceStoreId,
  id,
});

let sources: JobSource<'AWS_OMICS', OmicsReferenceImportJobRecord>[] = [];
afterEach(() => {
  for (const s of sources) s.close?.();
  sources = [];
});

/** Run one golden response through the real SDK client (serialiser, signer, deserialiser) and our parse step. */
async function fetchFixture(name: string, k: OmicsKey) {
  const handler = fixtureHandler(loadFixture(name));
  const source = createSource(
    omics,
    {
      ...oneAttempt({ timeoutMs: 1000 }),
      credentials: { accessKeyId: 'ASIAJOBGRAPHDEMO0001', secretAccessKey: 'demo' },
    },
    { requestHandler: handler },
  );
  sources.push(source);
  return { result: source.fetchJob(k), handler };
}

describe('Omics protocol', () => {
  it('reads every field of a full response, keeping an empty tag value and sources in wire order', async () => {
    const { result } = await fetchFixture('success-full', key('8110394857'));
    expect(await result).toEqual(
      omicsRecord({
        ...omicsJobFields('8110394857', STORE),
        state: 'SUCCEEDED_WITH_ERRORS',
        providerStatus: 'COMPLETED_WITH_FAILURES',
        statusMessage: '1 of 2 sources failed to import.',
        terminal: true,
        ...EXAMPLE_JOB.times,
        roleArn: ROLE,
        status: 'COMPLETED_WITH_FAILURES',
        sources: [
          EXAMPLE_JOB.grch38,
          omicsSource({
            ...EXAMPLE_JOB.hs37d5,
            status: 'FAILED',
            statusMessage: 'The source file is not a valid FASTA file.',
          }),
        ],
      }),
    );
  });

  it('fills absent optional fields with null and empty lists in a minimal response', async () => {
    const { result } = await fetchFixture('success-minimal', key('8110394864'));
    expect(await result).toEqual(
      omicsRecord({
        ...omicsJobFields('8110394864', STORE),
        state: 'IN_PROGRESS',
        providerStatus: 'IN_PROGRESS',
        statusMessage: null,
        terminal: false,
        createdAt: '2024-07-06T00:00:00.000Z',
        completedAt: null,
        roleArn: ROLE,
        status: 'IN_PROGRESS',
        creationTime: '2024-07-06T00:00:00.000Z',
        completionTime: null,
        sources: [omicsSource({ status: 'IN_PROGRESS' })],
      }),
    );
  });

  it('keeps a one-source, one-tag response as lists and a 36-digit job ID intact', async () => {
    const id = '120000000000000000000000000000000042';
    const { result } = await fetchFixture('one-element-lists', key(id, '7321480963'));
    expect(await result).toEqual(
      omicsRecord({
        ...omicsJobFields(id, '7321480963'),
        state: 'SUCCEEDED',
        providerStatus: 'COMPLETED',
        statusMessage: null,
        terminal: true,
        createdAt: '2024-06-28T22:10:00.000Z',
        completedAt: '2024-06-28T22:31:45.500Z',
        roleArn: 'arn:aws:iam::123456789012:role/service-role/OmicsReferenceImport-Plants',
        status: 'COMPLETED',
        creationTime: '2024-06-28T22:10:00.000Z',
        completionTime: '2024-06-28T22:31:45.500Z',
        sources: [
          omicsSource({
            sourceFile: 's3://genomics-reference-demo/plants/TAIR10.fa',
            status: 'FINISHED',
            name: 'TAIR10',
            tags: [{ key: 'organism', value: 'Arabidopsis thaliana' }],
            referenceId: '987654321098765432109876543210987654',
          }),
        ],
      }),
    );
  });

  it('ignores unknown fields, maps unknown statuses to UNKNOWN and null, keeps empty strings and normalises an offset timestamp to UTC', async () => {
    const { result } = await fetchFixture('unknown-fields', key('8110394859'));
    expect(await result).toEqual(
      omicsRecord({
        ...omicsJobFields('8110394859', STORE),
        state: 'UNKNOWN',
        providerStatus: 'ARCHIVING',
        statusMessage: '',
        terminal: false,
        createdAt: '2024-07-02T13:30:00.000Z',
        completedAt: null,
        roleArn: ROLE,
        status: null,
        creationTime: '2024-07-02T13:30:00.000Z',
        completionTime: null,
        sources: [
          omicsSource({ sourceFile: 's3://genomics-reference-demo/fly/BDGP6.46.fa' }),
          omicsSource({
            status: 'NOT_STARTED',
            statusMessage: '',
            name: '',
            description: '',
            tags: [{ key: 'note', value: '' }],
          }),
        ],
      }),
    );
  });

  it('sends GET /referencestore/{referenceStoreId}/importjob/{id} signed for omics', async () => {
    const { result, handler } = await fetchFixture('success-full', key('8110394857'));
    await result;
    expect(handler.requests).toHaveLength(1);
    const req = handler.requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.path).toBe('/referencestore/5038720581/importjob/8110394857');
    expect(req.body).toBeUndefined();
    expect(req.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAJOBGRAPHDEMO0001\/\d{8}\/us-east-1\/omics\/aws4_request, /,
    );
  });

  // Its error answers: the contract table (test/datasources/shared/errorAnswers.test.ts).
});
