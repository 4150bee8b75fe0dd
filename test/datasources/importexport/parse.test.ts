import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedBodyError } from '../../../src/errors.ts';
import type { ImportExportKey } from '../../../src/model/globalId.ts';
import { IMPORTEXPORT_STATE_MAP } from '../../../src/datasources/importexport/record.ts';
import { parseErrorResponse, parse } from '../../../src/datasources/importexport/parse.ts';
import { fixtureLoader } from '../../support/fixtures.ts';
import { IMPORT_EXPORT_STATES } from '../../support/providerStatuses.ts';

const loadFixture = fixtureLoader('importexport');

const key = (jobId: string): ImportExportKey => ({ provider: 'AWS_IMPORT_EXPORT', jobId });

describe('ImportExport parse', () => {
  const k = key('ABCDE');
  const wrap = (result: string) =>
    `<GetStatusResponse xmlns="http://importexport.amazonaws.com/doc/2010-06-01/"><GetStatusResult>${result}</GetStatusResult></GetStatusResponse>`;

  it('maps every documented ProgressCode through the state table', () => {
    expect(IMPORTEXPORT_STATE_MAP).toEqual(IMPORT_EXPORT_STATES);
    for (const [code, state] of Object.entries(IMPORTEXPORT_STATE_MAP)) {
      const r = parse(k, wrap(`<ProgressCode>${code}</ProgressCode>`));
      expect([r.state, r.providerStatus, r.terminal]).toEqual([
        state,
        code,
        state !== 'QUEUED' && state !== 'IN_PROGRESS',
      ]);
    }
  });

  it('never reads an inherited property name as a state', () => {
    expect(parse(k, wrap('<ProgressCode>constructor</ProgressCode>')).state).toBe('UNKNOWN');
  });

  it('reads a prefixed namespace the same as a default one', () => {
    const body =
      '<ie:GetStatusResponse xmlns:ie="http://importexport.amazonaws.com/"><ie:GetStatusResult><ie:ProgressCode>Complete</ie:ProgressCode>' +
      '<ie:ArtifactList><ie:member><ie:URL>u</ie:URL></ie:member></ie:ArtifactList></ie:GetStatusResult></ie:GetStatusResponse>';
    const r = parse(k, body);
    expect([r.state, r.artifactList]).toEqual(['SUCCEEDED', [{ description: null, url: 'u' }]]);
  });

  it('keeps empty strings as empty strings', () => {
    const r = parse(k, wrap('<Carrier></Carrier><LogKey/>'));
    expect([r.carrier, r.logKey]).toEqual(['', '']);
  });

  it('rejects a non-integer ErrorCount, naming the field', () => {
    expect(() => parse(k, wrap('<ErrorCount>three</ErrorCount>'))).toThrow(
      new MalformedBodyError('ErrorCount is not an integer'),
    );
  });

  it('rejects a CreationDate that is not a time', () => {
    expect(() => parse(k, wrap('<CreationDate>yesterday</CreationDate>'))).toThrow(
      MalformedBodyError,
    );
  });

  it('rejects a body that is not a GetStatusResponse', () => {
    expect(() => parse(k, '<ListJobsResponse><ListJobsResult/></ListJobsResponse>')).toThrow(
      MalformedBodyError,
    );
    expect(() => parse(k, '<GetStatusResponse/>')).toThrow(MalformedBodyError);
    expect(() => parse(k, 'not xml at all')).toThrow(MalformedBodyError);
  });

  it('rejects a DOCTYPE, so no entity is ever expanded', () => {
    const body = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>${wrap('<JobId>&e;</JobId>')}`;
    expect(() => parse(k, body)).toThrow(MalformedBodyError);
  });

  it('rejects an element where text belongs', () => {
    expect(() => parse(k, wrap('<Signature><Value>x</Value></Signature>'))).toThrow(
      new MalformedBodyError('Signature is not a text element'),
    );
  });

  it('keeps any multi-line text exactly once XML-escaped on the wire', () => {
    const xmlChar = fc.constantFrom(
      'a',
      'Z',
      '0',
      ' ',
      '\n',
      '\t',
      '&',
      '<',
      '>',
      '"',
      "'",
      ':',
      '/',
      '=',
      'é',
      '漢',
      '😀',
      ';',
      '#',
    );
    fc.assert(
      fc.property(
        fc.array(xmlChar, { maxLength: 200 }).map((cs) => cs.join('')),
        (text) => {
          const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
          const r = parse(
            k,
            wrap(
              `<CurrentManifest>${escaped}</CurrentManifest><SignatureFileContents>${escaped}</SignatureFileContents>`,
            ),
          );
          return r.currentManifest === text && r.signatureFileContents === text;
        },
      ),
      { numRuns: 300, seed: 20100601 },
    );
  });

  it('reads the error envelope with RequestId beside Error', () => {
    expect(parseErrorResponse(loadFixture('not-found').body)).toEqual({
      type: 'Sender',
      code: 'InvalidJobIdException',
      message: 'The JOBID was missing, not found, or not associated with the AWS account.',
      requestId: '3d4e5f60-1f0e-11e6-9d8c-7b6a5f4e3d2c',
    });
    expect(parseErrorResponse(loadFixture('server-error').body)?.type).toBe('Receiver');
    expect(parseErrorResponse(loadFixture('bad-gateway-html').body)).toBeNull();
  });
});
