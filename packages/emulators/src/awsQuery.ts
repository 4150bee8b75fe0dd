import type { AwsCallerRefusal } from './awsCaller.ts';
import type { EmulatorResponse, ErrorAnswer } from './framework.ts';

/** How an AWS query-protocol emulator writes its answers. */
export interface AwsQueryAnswerOptions {
  /** The API's XML namespace, on every answer's root element. */
  xmlns: string;
  /** The service's escaping of element text (the services differ on `"` and CR). */
  escapeXml: (text: string) => string;
  /** A fresh request ID. */
  nextRequestId: () => string;
  /** Clock in ms, for the `Date` header. */
  now: () => number;
}

/** How a query-protocol service words the caller refusals where the services differ. */
export interface QueryAuthWording {
  /** The code for an unknown key or a session key without its token. */
  invalidTokenCode: string;
  /** The message for an unknown key (default: the invalid-token one). */
  unknownKeyMessage?: string;
  /** The message for a credential scoped to another service (default: the check's detail). */
  wrongScopeMessage?: string;
}

/** The answers of an AWS query-protocol emulator (STS, Import/Export). */
export interface AwsQueryAnswers {
  /** An XML answer with its `x-amzn-RequestId`, `Content-Type: text/xml` and `Date`. */
  respond: (status: number, body: string, requestId: string) => EmulatorResponse;
  /** `ErrorResponse/Error/{Type,Code,Message}` with `RequestId` beside `Error`; the type is `Receiver` for a 5xx, else `Sender`. */
  error: (
    status: number,
    code: string,
    message: string,
    type?: 'Sender' | 'Receiver',
    requestId?: string,
  ) => EmulatorResponse;
  /** `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>` with a fresh request ID. */
  ok: (action: string, result: string) => EmulatorResponse;
  /** 403 MissingAuthenticationToken: a request without an Authorization header. */
  missingAuthentication: () => EmulatorResponse;
  /** 400 IncompleteSignature: a malformed Authorization header, `detail` saying how. */
  incompleteSignature: (detail: string) => EmulatorResponse;
  /**
   * The answer to a refused caller: 403 MissingAuthenticationToken, 400 IncompleteSignature,
   * 403 with the service's invalid-token code, 403 ExpiredToken, or 403 SignatureDoesNotMatch.
   */
  refused: (refusal: AwsCallerRefusal, wording: QueryAuthWording) => EmulatorResponse;
  /** 400 Throttling "Rate exceeded". */
  throttled: () => EmulatorResponse;
  /** 503 ServiceUnavailable. */
  serverError: () => EmulatorResponse;
  /** `ProviderEmulator.errorAnswer`: the envelope with exactly the answer's status, code, message and request ID. */
  errorAnswer: (req: unknown, answer: ErrorAnswer) => EmulatorResponse;
  /** 400 InvalidAction for an action of the API that the emulator does not answer (`answered`: the ones it does, as prose). */
  notEmulated: (action: string, answered: string) => EmulatorResponse;
}

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const SIGNATURE_MISMATCH = 'SignatureDoesNotMatch';

/** The XML answers of the AWS query protocol, as STS and Import/Export write them. */
export function awsQueryAnswers(opts: AwsQueryAnswerOptions): AwsQueryAnswers {
  const { xmlns, escapeXml, nextRequestId, now } = opts;
  const respond = (status: number, body: string, requestId: string): EmulatorResponse => ({
    status,
    headers: {
      'x-amzn-RequestId': requestId,
      'Content-Type': 'text/xml',
      Date: new Date(now()).toUTCString(),
    },
    body,
  });
  const error: AwsQueryAnswers['error'] = (
    status,
    code,
    message,
    type = status >= 500 ? 'Receiver' : 'Sender',
    requestId = nextRequestId(),
  ) => {
    const body =
      `<ErrorResponse xmlns="${xmlns}">\n` +
      `  <Error>\n` +
      `    <Type>${type}</Type>\n` +
      `    <Code>${escapeXml(code)}</Code>\n` +
      `    <Message>${escapeXml(message)}</Message>\n` +
      `  </Error>\n` +
      `  <RequestId>${escapeXml(requestId)}</RequestId>\n` +
      `</ErrorResponse>\n`;
    return respond(status, body, requestId);
  };
  const missingAuthentication = () =>
    error(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const incompleteSignature = (detail: string) => error(400, 'IncompleteSignature', detail);
  return {
    respond,
    error,
    ok: (action, result) => {
      const requestId = nextRequestId();
      const body =
        `<${action}Response xmlns="${xmlns}">\n` +
        `  <${action}Result>\n${result}  </${action}Result>\n` +
        `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
        `</${action}Response>\n`;
      return respond(200, body, requestId);
    },
    missingAuthentication,
    incompleteSignature,
    refused(refusal, wording) {
      switch (refusal.reason) {
        case 'missing':
          return missingAuthentication();
        case 'malformed':
          return incompleteSignature(refusal.detail);
        case 'unknown-key':
          return error(403, wording.invalidTokenCode, wording.unknownKeyMessage ?? INVALID_TOKEN);
        case 'invalid-token':
          return error(403, wording.invalidTokenCode, INVALID_TOKEN);
        case 'expired-token':
          return error(403, 'ExpiredToken', refusal.detail);
        case 'wrong-scope':
          return error(403, SIGNATURE_MISMATCH, wording.wrongScopeMessage ?? refusal.detail);
        case 'skewed':
          return error(403, SIGNATURE_MISMATCH, refusal.detail);
        case 'mismatch':
          return error(
            403,
            SIGNATURE_MISMATCH,
            'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
          );
      }
    },
    throttled: () => error(400, 'Throttling', 'Rate exceeded'),
    serverError: () =>
      error(503, 'ServiceUnavailable', 'Service is unavailable. Please try again later.'),
    errorAnswer: (_req, answer) =>
      error(answer.status, answer.code, answer.message, undefined, answer.requestId),
    notEmulated: (action, answered) =>
      error(
        400,
        'InvalidAction',
        `The action ${action} is not supported by the jobgraph emulator, which answers ${answered} only.`,
      ),
  };
}
