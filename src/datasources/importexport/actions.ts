import type { ProviderActions } from '../shared/acting.ts';
import type { ImportExportKey } from '../../model/keys.ts';
import { formEncode } from '../shared/rfc3986.ts';
import type { ActedAnswer, Operation } from '../shared/source.ts';
import {
  FORM_CONTENT_TYPE,
  IMPORTEXPORT_API_VERSION,
  IMPORTEXPORT_SIGNING_REGION,
} from './client.ts';
import { headerRequestId, toUpstreamError } from './errors.ts';
import { successRequestId } from './parse.ts';

/**
 * CancelJob on the wire, as GetStatus: the query protocol's form `POST /`
 * (`Action=CancelJob&Version=2010-06-01&JobId=…`), SigV4 `IngestionService`/us-east-1 through the
 * one pipeline. The service takes no reason (the audit log keeps it). A job it cannot cancel
 * answers an error (CanceledJobIdException, ExpiredJobIdException, UnableToCancelJobIdException),
 * read as GetStatus' errors are.
 */
export const CANCEL_JOB: Operation<ImportExportKey, ActedAnswer> = {
  name: 'CancelJob',
  acts: true,
  region: () => IMPORTEXPORT_SIGNING_REGION,
  send: (key) => ({
    method: 'POST',
    path: '/',
    headers: { 'content-type': FORM_CONTENT_TYPE },
    body: formEncode([
      ['Action', 'CancelJob'],
      ['Version', IMPORTEXPORT_API_VERSION],
      ['JobId', key.jobId],
    ]),
  }),
  readError: toUpstreamError,
  parse: (_key, answer) => ({
    requestId: headerRequestId(answer) ?? successRequestId(answer.body),
  }),
};

/** CancelJob as the wire's cancel action (`ProviderWire.actions`): the reason is not sent. */
export const CANCEL_ACTION: Operation<{ key: ImportExportKey; reason: string }, ActedAnswer> = {
  name: CANCEL_JOB.name,
  acts: true,
  region: ({ key }) => CANCEL_JOB.region(key),
  send: ({ key }) => CANCEL_JOB.send(key),
  readError: ({ key }, answer) => CANCEL_JOB.readError(key, answer),
  parse: ({ key }, answer) => CANCEL_JOB.parse(key, answer),
};

/**
 * What a cancel does by progress code (docs/actions.md): only a job not started (`Pending`: no
 * device received) is cancelled; Import/Export has no terminate and takes no reason (the audit
 * keeps it). A second cancel answers CanceledJobIdException: the job is already cancelled.
 */
export const IMPORTEXPORT_ACTIONS: ProviderActions = {
  reason: null,
  doneCodes: ['CanceledJobIdException'],
  judge(action, record) {
    if (action !== 'cancel')
      return {
        kind: 'not-supported',
        why: 'AWS Import/Export has no terminate: cancelJob cancels a job not yet started.',
      };
    if (record.terminal) return { kind: 'finished' };
    if (record.providerStatus === 'Pending') return { kind: 'apply' };
    return {
      kind: 'not-applied',
      why: `The job is ${record.providerStatus ?? 'started'}: AWS Import/Export cancels only a job whose device has not been received (Pending).`,
    };
  },
};
