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
