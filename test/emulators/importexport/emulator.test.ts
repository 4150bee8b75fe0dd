import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import {
  DEMO_GLOBAL_IDS,
  DEMO_JOBS,
  ERROR_CASE_GLOBAL_IDS,
  EXAMPLE_GLOBAL_ID,
  GONE_CASE_GLOBAL_IDS,
} from '@jobgraph/emulators/importexport/data';
import { createImportExportEmulator } from '@jobgraph/emulators/importexport/emulator';
import { parseGlobalId } from '../../../src/model/globalId.ts';
import { useEmulator } from '../../support/useEmulator.ts';
import { IMPORT_EXPORT_STATES } from '../../support/providerStatuses.ts';

const DEMO = { ...DEMO_AWS_CREDENTIALS };
/** Every ProgressCode the GetStatus API reference documents. */
const PROGRESS_CODES = Object.keys(IMPORT_EXPORT_STATES);

describe('ImportExport demo data', () => {
  it('has a job for every documented ProgressCode, both job types, and a minimal job', () => {
    const codes = new Set(DEMO_JOBS.map((j) => j.ProgressCode));
    for (const code of PROGRESS_CODES) expect(codes).toContain(code);
    expect(new Set(DEMO_JOBS.map((j) => j.JobType))).toEqual(
      new Set(['Import', 'Export', undefined]),
    );
    expect(DEMO_JOBS.find((j) => j.JobId === 'MINI1')).toEqual({
      JobId: 'MINI1',
      ProgressCode: 'Pending',
    });
  });

  it('has every optional element on at least one job', () => {
    const seen = new Set(DEMO_JOBS.flatMap((j) => Object.keys(j)));
    for (const name of [
      'JobType',
      'LocationCode',
      'LocationMessage',
      'ProgressCode',
      'ProgressMessage',
      'Carrier',
      'TrackingNumber',
      'LogBucket',
      'LogKey',
      'ErrorCount',
      'Signature',
      'SignatureFileContents',
      'CurrentManifest',
      'CreationDate',
      'ArtifactList',
      'AwsShippingAddress',
      'WarningMessage',
    ]) {
      expect(seen).toContain(name);
    }
    expect(DEMO_JOBS.some((j) => j.ArtifactList?.length === 0)).toBe(true);
    expect(DEMO_JOBS.some((j) => j.ArtifactList?.length === 1)).toBe(true);
    expect(DEMO_JOBS.some((j) => (j.ArtifactList?.length ?? 0) > 1)).toBe(true);
    expect(DEMO_JOBS.some((j) => j.ProgressCode === 'Complete' && j.ErrorCount === 0)).toBe(true);
    expect(
      DEMO_JOBS.some((j) => j.ProgressCode === 'SuccessWithErrors' && (j.ErrorCount ?? 0) > 0),
    ).toBe(true);
  });

  it('uses only obviously fake secrets', () => {
    const text = JSON.stringify(DEMO_JOBS);
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
    for (const j of DEMO_JOBS.filter((x) => x.Signature))
      expect(j.Signature).toMatch(/^DEMO-SIGNATURE-/);
    for (const a of DEMO_JOBS.flatMap((x) => x.ArtifactList ?? []))
      expect(a.URL).toMatch(/X-Amz-Signature=DEMOSIG/);
  });

  it('lists global IDs that parse and name demo jobs', () => {
    expect(DEMO_GLOBAL_IDS).toHaveLength(DEMO_JOBS.length);
    expect(DEMO_GLOBAL_IDS).toContain(EXAMPLE_GLOBAL_ID);
    for (const id of [
      ...DEMO_GLOBAL_IDS,
      ...Object.values(ERROR_CASE_GLOBAL_IDS),
      ...Object.values(GONE_CASE_GLOBAL_IDS),
    ]) {
      expect(parseGlobalId(id).provider).toBe('AWS_IMPORT_EXPORT');
    }
  });
});

describe('The ImportExport emulator on the wire', () => {
  const emu = useEmulator(createImportExportEmulator);

  async function post(
    body: string,
    headers: Record<string, string> = {},
    path = '/',
    method = 'POST',
  ) {
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
      ...(method === 'GET' ? {} : { body }),
    });
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      requestId: res.headers.get('x-amzn-requestid'),
      body: await res.text(),
    };
  }
  async function signed(
    body: string,
    service = 'IngestionService',
  ): Promise<Record<string, string>> {
    const url = new URL(emu.url);
    // No x-amz-content-sha256 header (as jobgraph's own signer sends): the body hash is then
    // the emulator's to compute, so a changed body must fail the signature.
    const signer = new SignatureV4({
      service,
      region: 'us-east-1',
      credentials: DEMO,
      sha256: Sha256,
      applyChecksum: false,
    });
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
      body,
    });
    const { host: _host, ...headers } = (await signer.sign(request)).headers;
    return headers;
  }

  it('answers text/xml in the model namespace with the request id in header and body', async () => {
    const body = 'Action=GetStatus&Version=2010-06-01&JobId=MINI1';
    const res = await post(body, await signed(body));
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('text/xml');
    expect(res.body).toBe(
      '<GetStatusResponse xmlns="http://importexport.amazonaws.com/doc/2010-06-01/">\n' +
        '  <GetStatusResult>\n    <JobId>MINI1</JobId>\n    <ProgressCode>Pending</ProgressCode>\n  </GetStatusResult>\n' +
        `  <ResponseMetadata>\n    <RequestId>${res.requestId}</RequestId>\n  </ResponseMetadata>\n` +
        '</GetStatusResponse>\n',
    );
  });

  it('answers the query error envelope with RequestId beside Error', async () => {
    const body = 'Action=GetStatus&Version=2010-06-01&JobId=NOJOB';
    const res = await post(body, await signed(body));
    expect(res.status).toBe(400);
    expect(res.body).toBe(
      '<ErrorResponse xmlns="http://importexport.amazonaws.com/doc/2010-06-01/">\n  <Error>\n    <Type>Sender</Type>\n' +
        '    <Code>InvalidJobIdException</Code>\n    <Message>The JOBID was missing, not found, or not associated with the AWS account.</Message>\n' +
        `  </Error>\n  <RequestId>${res.requestId}</RequestId>\n</ErrorResponse>\n`,
    );
  });

  it('refuses an unsigned request with MissingAuthenticationToken', async () => {
    const res = await post('Action=GetStatus&Version=2010-06-01&JobId=CMPL1');
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('refuses a SigV4 request scoped to another service', async () => {
    const body = 'Action=GetStatus&Version=2010-06-01&JobId=CMPL1';
    const res = await post(body, await signed(body, 'importexport'));
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('refuses a body changed after signing', async () => {
    const res = await post(
      'Action=GetStatus&Version=2010-06-01&JobId=PNDG1',
      await signed('Action=GetStatus&Version=2010-06-01&JobId=CMPL1'),
    );
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('answers InvalidAction for an unknown action and MissingAction without one', async () => {
    const unknown = 'Action=DescribeJob&Version=2010-06-01&JobId=CMPL1';
    const a = await post(unknown, await signed(unknown));
    expect([a.status, /<Code>(\w+)<\/Code>/.exec(a.body)?.[1]]).toEqual([400, 'InvalidAction']);
    const none = 'Version=2010-06-01&JobId=CMPL1';
    const b = await post(none, await signed(none));
    expect([b.status, /<Code>(\w+)<\/Code>/.exec(b.body)?.[1]]).toEqual([400, 'MissingAction']);
  });

  it('answers GetStatus, ListJobs and CancelJob only: the other write actions are InvalidAction', async () => {
    for (const action of ['CreateJob', 'UpdateJob', 'GetShippingLabel']) {
      const body = `Action=${action}&Version=2010-06-01`;
      const res = await post(body, await signed(body));
      expect([res.status, /<Code>(\w+)<\/Code>/.exec(res.body)?.[1]]).toEqual([
        400,
        'InvalidAction',
      ]);
      expect(res.body).toContain(
        `The action ${action} is not supported by the jobgraph emulator, which answers GetStatus, ListJobs and CancelJob only.`,
      );
    }
  });

  it('refuses a SigV2 request (signature in the body, what aws-sdk v2 sent) as unsigned', async () => {
    const res = await post(
      'Action=GetStatus&Version=2010-06-01&JobId=CMPL1&AWSAccessKeyId=AKIAJOBGRAPHDEMO&SignatureVersion=2&SignatureMethod=HmacSHA256&Signature=x',
    );
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('answers 404 UnknownOperationException for other paths and methods', async () => {
    expect(await post('', {}, '/jobs/CMPL1', 'GET')).toMatchObject({
      status: 404,
      body: '<UnknownOperationException/>',
    });
    expect(await post('Action=GetStatus', {}, '/other')).toMatchObject({
      status: 404,
      body: '<UnknownOperationException/>',
    });
  });
});
