import { randomUUID } from 'node:crypto';
import type { EmulatorResponse } from '../framework.ts';

/**
 * SQS's AWS JSON 1.0 wire (the protocol since November 2023, the one `@aws-sdk/client-sqs` v3
 * speaks): answers are `application/x-amz-json-1.0`; an error is `{"__type", "message"}` with
 * the HTTP status of its shape, plus `x-amzn-query-error: <query code>;Sender|Receiver`, the code
 * the query protocol used, from which query-compatible clients (the SDK among them) take the
 * error's name.
 */
export const JSON_10 = 'application/x-amz-json-1.0';
export const TARGET_PREFIX = 'AmazonSQS.';

/** The errors the emulator answers: the shape's `__type`, its query code and HTTP status (the SQS model's `awsQueryError`). */
const SQS_ERRORS = {
  QueueDoesNotExist: {
    type: 'com.amazonaws.sqs#QueueDoesNotExist',
    query: 'AWS.SimpleQueueService.NonExistentQueue',
    status: 400,
  },
  QueueNameExists: {
    type: 'com.amazonaws.sqs#QueueNameExists',
    query: 'QueueAlreadyExists',
    status: 400,
  },
  InvalidAddress: {
    type: 'com.amazonaws.sqs#InvalidAddress',
    query: 'InvalidAddress',
    status: 404,
  },
  ReceiptHandleIsInvalid: {
    type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid',
    query: 'ReceiptHandleIsInvalid',
    status: 404,
  },
  MessageNotInflight: {
    type: 'com.amazonaws.sqs#MessageNotInflight',
    query: 'AWS.SimpleQueueService.MessageNotInflight',
    status: 400,
  },
  InvalidMessageContents: {
    type: 'com.amazonaws.sqs#InvalidMessageContents',
    query: 'InvalidMessageContents',
    status: 400,
  },
  InvalidAttributeName: {
    type: 'com.amazonaws.sqs#InvalidAttributeName',
    query: 'InvalidAttributeName',
    status: 400,
  },
  InvalidAttributeValue: {
    type: 'com.amazonaws.sqs#InvalidAttributeValue',
    query: 'InvalidAttributeValue',
    status: 400,
  },
  EmptyBatchRequest: {
    type: 'com.amazonaws.sqs#EmptyBatchRequest',
    query: 'AWS.SimpleQueueService.EmptyBatchRequest',
    status: 400,
  },
  TooManyEntriesInBatchRequest: {
    type: 'com.amazonaws.sqs#TooManyEntriesInBatchRequest',
    query: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    status: 400,
  },
  BatchEntryIdsNotDistinct: {
    type: 'com.amazonaws.sqs#BatchEntryIdsNotDistinct',
    query: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    status: 400,
  },
  BatchRequestTooLong: {
    type: 'com.amazonaws.sqs#BatchRequestTooLong',
    query: 'AWS.SimpleQueueService.BatchRequestTooLong',
    status: 400,
  },
  InvalidBatchEntryId: {
    type: 'com.amazonaws.sqs#InvalidBatchEntryId',
    query: 'AWS.SimpleQueueService.InvalidBatchEntryId',
    status: 400,
  },
  RequestThrottled: {
    type: 'com.amazonaws.sqs#RequestThrottled',
    query: 'RequestThrottled',
    status: 403,
  },
  // Not shapes of the SQS model: the service front end's common errors (the API reference's
  // CommonErrors), named by their query code; the SDK names the exception after that code.
  InvalidParameterValue: {
    type: 'com.amazon.coral.service#InvalidParameterValueException',
    query: 'InvalidParameterValue',
    status: 400,
  },
  MissingParameter: {
    type: 'com.amazon.coral.service#MissingParameterException',
    query: 'MissingParameter',
    status: 400,
  },
  AccessDenied: {
    type: 'com.amazon.coral.service#AccessDeniedException',
    query: 'AccessDenied',
    status: 403,
  },
  UnknownOperation: {
    type: 'com.amazon.coral.service#UnknownOperationException',
    query: 'InvalidAction',
    status: 400,
  },
  SerializationException: {
    type: 'com.amazon.coral.service#SerializationException',
    query: 'MalformedQueryString',
    status: 400,
  },
  InternalFailure: {
    type: 'com.amazon.coral.service#InternalFailure',
    query: 'InternalFailure',
    status: 500,
  },
} as const satisfies Record<string, { type: string; query: string; status: number }>;

export type SqsErrorName = keyof typeof SQS_ERRORS;

/** A refusal an operation answers: which error, and its message. */
export class SqsRefusal extends Error {
  constructor(
    readonly error: SqsErrorName,
    message: string,
  ) {
    super(message);
  }
}

/** The answers of SQS's JSON wire, with the emulator clock's Date header. */
export function sqsAnswers(now: () => number) {
  const headers = (): Record<string, string> => ({
    'Content-Type': JSON_10,
    'x-amzn-RequestId': randomUUID(),
    Date: new Date(now()).toUTCString(),
  });
  /** An error in SQS's envelope: `status` and `__type` given, the query code in its header. */
  const raw = (
    status: number,
    type: string,
    query: string,
    message: string,
    requestId?: string,
  ): EmulatorResponse => ({
    status,
    headers: {
      ...headers(),
      ...(requestId ? { 'x-amzn-RequestId': requestId } : {}),
      'x-amzn-query-error': `${query};${status >= 500 ? 'Receiver' : 'Sender'}`,
    },
    body: JSON.stringify({ __type: type, message }),
  });
  return {
    headers,
    raw,
    ok: (body: unknown): EmulatorResponse => ({
      status: 200,
      headers: headers(),
      body: JSON.stringify(body),
    }),
    error: (name: SqsErrorName, message: string): EmulatorResponse => {
      const e = SQS_ERRORS[name];
      return raw(e.status, e.type, e.query, message);
    },
  };
}
