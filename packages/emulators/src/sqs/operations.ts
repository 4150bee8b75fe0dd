import {
  md5Hex,
  SETTABLE_ATTRIBUTES,
  type EmulatedQueue,
  type QueueStore,
  type ReceivedMessage,
} from './queues.ts';
import { SqsRefusal } from './wire.ts';

/**
 * SQS's operations on the emulator's queues (`createSqsEmulator` authenticates the call and
 * writes the answer): each reads the request's JSON body, checks it as SQS does (throwing the
 * `SqsRefusal` SQS answers) and returns the answer's JSON body.
 */

/** A message body's limit in bytes (1 MiB since August 2025; 256 KiB before). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** The most messages one ReceiveMessage answers, and entries one batch holds. */
const SQS_MAX_BATCH = 10;
/** The longest long poll, in seconds. */
const SQS_MAX_WAIT_SECONDS = 20;

const QUEUE_NAME_RE = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ID_RE = /^[A-Za-z0-9_-]{1,80}$/;
/** The characters a message may hold (XML 1.0's, as SQS documents). */
const ALLOWED_CHARS_RE = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/** The system attributes ReceiveMessage answers when asked (by name or `All`). */
const MESSAGE_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
] as const;

export type Body = Record<string, unknown>;
/** Who calls: the key's account and IAM ID, the signing region, the address the call came to. */
export interface Caller {
  accountId: string;
  userId: string;
  region: string;
  origin: string;
}

/** A call of one operation: the queues, who calls, the request's JSON body, its abort signal. */
type Operation = (store: QueueStore, caller: Caller, body: Body, signal?: AbortSignal) => unknown;

/** The operations the emulator answers, by `X-Amz-Target` name. */
export const SQS_OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  GetQueueAttributes: (s, c, b) => getQueueAttributes(s, queueOf(s, c, b), b),
  SendMessage: (s, c, b) => sendMessage(s, c, queueOf(s, c, b), b),
  SendMessageBatch: (s, c, b) => sendMessageBatch(s, c, queueOf(s, c, b), b),
  ReceiveMessage: (s, c, b, signal) => receiveMessage(s, queueOf(s, c, b), b, signal),
  DeleteMessage: (s, c, b) => deleteMessage(s, queueOf(s, c, b), b),
  DeleteMessageBatch: (s, c, b) => deleteMessageBatch(s, queueOf(s, c, b), b),
  ChangeMessageVisibility: (s, c, b) => changeVisibility(s, queueOf(s, c, b), b),
  PurgeQueue: (s, c, b) => void s.purge(queueOf(s, c, b)),
};

const urlOf = (caller: Caller, queue: EmulatedQueue) =>
  `${caller.origin}/${queue.accountId}/${queue.name}`;

/** The queue a body's QueueUrl names, as the caller may use it; else the refusal SQS answers. */
function queueOf(store: QueueStore, caller: Caller, body: Body): EmulatedQueue {
  const url = body.QueueUrl;
  if (typeof url !== 'string' || url === '')
    throw new SqsRefusal('MissingParameter', 'The request must contain the parameter QueueUrl.');
  const parts = parseQueueUrl(url);
  if (!parts)
    throw new SqsRefusal('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
  const queue = store.get(caller.region, parts.accountId, parts.name);
  if (!queue) throw new SqsRefusal('QueueDoesNotExist', 'The specified queue does not exist.');
  if (queue.denied || queue.accountId !== caller.accountId)
    throw new SqsRefusal('AccessDenied', `Access to the resource ${url} is denied.`);
  return queue;
}

function createQueue(store: QueueStore, caller: Caller, body: Body) {
  const name = body.QueueName;
  if (typeof name !== 'string' || name === '')
    throw new SqsRefusal('MissingParameter', 'The request must contain the parameter QueueName.');
  if (name.endsWith('.fifo'))
    throw new SqsRefusal('InvalidParameterValue', 'FIFO queues are not emulated.');
  if (!QUEUE_NAME_RE.test(name))
    throw new SqsRefusal(
      'InvalidParameterValue',
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
  const attributes = readAttributes(body.Attributes);
  const existing = store.get(caller.region, caller.accountId, name);
  if (existing) {
    const differs = Object.entries(attributes).some(([k, v]) => existing.attributes[k] !== v);
    if (differs)
      throw new SqsRefusal(
        'QueueNameExists',
        'A queue already exists with the same name and a different value for attribute(s)',
      );
    return { QueueUrl: urlOf(caller, existing) };
  }
  return {
    QueueUrl: urlOf(caller, store.create(caller.region, caller.accountId, name, attributes)),
  };
}

function getQueueUrl(store: QueueStore, caller: Caller, body: Body) {
  const name = body.QueueName;
  if (typeof name !== 'string' || name === '')
    throw new SqsRefusal('MissingParameter', 'The request must contain the parameter QueueName.');
  const owner =
    typeof body.QueueOwnerAWSAccountId === 'string'
      ? body.QueueOwnerAWSAccountId
      : caller.accountId;
  const queue = store.get(caller.region, owner, name);
  if (!queue) throw new SqsRefusal('QueueDoesNotExist', 'The specified queue does not exist.');
  if (queue.denied || queue.accountId !== caller.accountId)
    throw new SqsRefusal(
      'AccessDenied',
      `Access to the resource ${urlOf(caller, queue)} is denied.`,
    );
  return { QueueUrl: urlOf(caller, queue) };
}

function listQueues(store: QueueStore, caller: Caller, body: Body) {
  const prefix = typeof body.QueueNamePrefix === 'string' ? body.QueueNamePrefix : '';
  const max = optionalInteger(body, 'MaxResults', 1, 1000);
  const token = body.NextToken;
  const all = store.list(caller.region, caller.accountId, prefix);
  let start = 0;
  if (token !== undefined && token !== null) {
    const after = typeof token === 'string' ? Buffer.from(token, 'base64url').toString('utf8') : '';
    if (typeof token !== 'string' || !after.startsWith('after:'))
      throw new SqsRefusal('InvalidParameterValue', 'Invalid NextToken value.');
    start = all.findIndex((q) => q.name > after.slice('after:'.length));
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, max === undefined ? undefined : start + max);
  const more = max !== undefined && start + page.length < all.length;
  const last = page[page.length - 1];
  return {
    ...(page.length > 0 ? { QueueUrls: page.map((q) => urlOf(caller, q)) } : {}),
    ...(more && last ? { NextToken: Buffer.from(`after:${last.name}`).toString('base64url') } : {}),
  };
}

function getQueueAttributes(store: QueueStore, queue: EmulatedQueue, body: Body) {
  const names = stringList(body.AttributeNames, 'AttributeNames');
  const counts = store.counts(queue);
  const all: Record<string, string> = {
    ...Object.fromEntries(Object.entries(queue.attributes).map(([k, v]) => [k, String(v)])),
    QueueArn: `arn:aws:sqs:${queue.region}:${queue.accountId}:${queue.name}`,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdMs / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.createdMs / 1000)),
    SqsManagedSseEnabled: 'true',
  };
  const wanted = names.includes('All') ? Object.keys(all) : names;
  const unknown = wanted.find((n) => !(n in all));
  if (unknown) throw new SqsRefusal('InvalidAttributeName', `Unknown Attribute ${unknown}.`);
  return wanted.length === 0
    ? {}
    : { Attributes: Object.fromEntries(wanted.map((n) => [n, all[n]])) };
}

function checkBody(queue: EmulatedQueue, body: unknown): string {
  if (typeof body !== 'string' || body === '')
    throw new SqsRefusal('MissingParameter', 'The request must contain the parameter MessageBody.');
  const limit = queue.attributes.MaximumMessageSize ?? SQS_MAX_MESSAGE_BYTES;
  if (Buffer.byteLength(body, 'utf8') > limit)
    throw new SqsRefusal(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
    );
  if (!ALLOWED_CHARS_RE.test(body))
    throw new SqsRefusal(
      'InvalidMessageContents',
      'Invalid binary character was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  return body;
}

function sendMessage(store: QueueStore, caller: Caller, queue: EmulatedQueue, body: Body) {
  const text = checkBody(queue, body.MessageBody);
  const delay = optionalInteger(body, 'DelaySeconds', 0, 900);
  const sent = store.send(queue, text, delay, caller.userId);
  return { MD5OfMessageBody: sent.md5, MessageId: sent.id };
}

function sendMessageBatch(store: QueueStore, caller: Caller, queue: EmulatedQueue, body: Body) {
  const entries = batchEntries(body.Entries);
  const total = entries.reduce(
    (n, e) => n + (typeof e.MessageBody === 'string' ? Buffer.byteLength(e.MessageBody) : 0),
    0,
  );
  if (total > SQS_MAX_MESSAGE_BYTES)
    throw new SqsRefusal(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${SQS_MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`,
    );
  const Successful: unknown[] = [];
  const Failed: unknown[] = [];
  for (const entry of entries) {
    try {
      const text = checkBody(queue, entry.MessageBody);
      const delay = optionalInteger(entry, 'DelaySeconds', 0, 900);
      const sent = store.send(queue, text, delay, caller.userId);
      Successful.push({ Id: entry.Id, MessageId: sent.id, MD5OfMessageBody: sent.md5 });
    } catch (err) {
      if (!(err instanceof SqsRefusal)) throw err;
      Failed.push({ Id: entry.Id, SenderFault: true, Code: err.error, Message: err.message });
    }
  }
  return { Successful, Failed };
}

async function receiveMessage(
  store: QueueStore,
  queue: EmulatedQueue,
  body: Body,
  signal?: AbortSignal,
) {
  const max = optionalInteger(body, 'MaxNumberOfMessages', 1, SQS_MAX_BATCH) ?? 1;
  const wait =
    optionalInteger(body, 'WaitTimeSeconds', 0, SQS_MAX_WAIT_SECONDS) ??
    queue.attributes.ReceiveMessageWaitTimeSeconds ??
    0;
  const visibility =
    optionalInteger(body, 'VisibilityTimeout', 0, 43_200) ??
    queue.attributes.VisibilityTimeout ??
    30;
  const asked = [
    ...stringList(body.AttributeNames, 'AttributeNames'),
    ...stringList(body.MessageSystemAttributeNames, 'MessageSystemAttributeNames'),
  ];
  const names = asked.includes('All')
    ? [...MESSAGE_ATTRIBUTES]
    : MESSAGE_ATTRIBUTES.filter((n) => asked.includes(n));
  const got = await store.receive(queue, max, visibility, wait, signal);
  if (got.length === 0) return {};
  return {
    Messages: got.map((m) => {
      const wire = wireMessage(m, names);
      if (queue.corruptNext <= 0) return wire;
      queue.corruptNext -= 1;
      // The digest of other bytes than those sent: what a consumer sees of a body damaged on its way.
      return { ...wire, MD5OfBody: md5Hex(`${m.body}\u0000damaged`) };
    }),
  };
}

function deleteMessage(store: QueueStore, queue: EmulatedQueue, body: Body) {
  const handle = receiptHandle(body);
  // A stale handle (the message was received again since, or is gone) succeeds without
  // deleting anything, as SQS documents for standard queues.
  if (store.delete(queue, handle) === 'invalid') throw invalidHandle(handle);
}

function deleteMessageBatch(store: QueueStore, queue: EmulatedQueue, body: Body) {
  const entries = batchEntries(body.Entries);
  const Successful: unknown[] = [];
  const Failed: unknown[] = [];
  for (const entry of entries) {
    const handle = entry.ReceiptHandle;
    const outcome =
      typeof handle === 'string' && handle !== '' ? store.delete(queue, handle) : 'invalid';
    if (outcome === 'invalid')
      Failed.push({
        Id: entry.Id,
        SenderFault: true,
        Code: 'ReceiptHandleIsInvalid',
        Message: invalidHandle(typeof handle === 'string' ? handle : '').message,
      });
    else Successful.push({ Id: entry.Id });
  }
  return { Successful, Failed };
}

function changeVisibility(store: QueueStore, queue: EmulatedQueue, body: Body) {
  const handle = receiptHandle(body);
  const seconds = optionalInteger(body, 'VisibilityTimeout', 0, 43_200);
  if (seconds === undefined)
    throw new SqsRefusal(
      'MissingParameter',
      'The request must contain the parameter VisibilityTimeout.',
    );
  const outcome = store.changeVisibility(queue, handle, seconds);
  if (outcome === 'invalid') throw invalidHandle(handle);
  if (outcome === 'stale')
    throw new SqsRefusal(
      'InvalidParameterValue',
      `Value ${handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
    );
  if (outcome === 'not-in-flight')
    throw new SqsRefusal('MessageNotInflight', 'The message referred to is not in flight.');
}

/** The account and name of a queue URL (`<scheme>://<host>/<account>/<name>`), or null. */
export function parseQueueUrl(url: string): { accountId: string; name: string } | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const m = /^\/(\d{12})\/([A-Za-z0-9_.-]{1,80})$/.exec(path);
  return m ? { accountId: m[1] as string, name: m[2] as string } : null;
}

function wireMessage(m: ReceivedMessage, names: readonly string[]) {
  const values: Record<string, string> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentMs),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceiveMs),
  };
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(names.length > 0
      ? { Attributes: Object.fromEntries(names.map((n) => [n, values[n]])) }
      : {}),
  };
}

/** An optional whole-number parameter within [min, max], or InvalidParameterValue. */
function optionalInteger(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new SqsRefusal(
      'InvalidParameterValue',
      `Value ${JSON.stringify(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  return value;
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new SqsRefusal('InvalidParameterValue', `${name} must be a list of strings.`);
  return value as string[];
}

/** CreateQueue's `Attributes`, as numbers; the standard-queue attributes SQS bounds, others refused. */
function readAttributes(value: unknown): Record<string, number> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new SqsRefusal('InvalidParameterValue', 'Attributes must be a map.');
  const out: Record<string, number> = {};
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    const spec = SETTABLE_ATTRIBUTES[name];
    if (!spec) throw new SqsRefusal('InvalidAttributeName', `Unknown Attribute ${name}.`);
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= spec.min && n <= spec.max))
      throw new SqsRefusal('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
    out[name] = n;
  }
  return out;
}

/** A batch's entries: 1–10, distinct well-formed IDs; else the batch refusal SQS answers. */
function batchEntries(value: unknown): Body[] {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0))
    throw new SqsRefusal(
      'EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
    );
  if (!Array.isArray(value) || value.some((e) => e === null || typeof e !== 'object'))
    throw new SqsRefusal('InvalidParameterValue', 'Entries must be a list of entries.');
  if (value.length > SQS_MAX_BATCH)
    throw new SqsRefusal(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${SQS_MAX_BATCH}. You have sent ${value.length}.`,
    );
  const entries = value as Body[];
  const ids = entries.map((e) => e.Id);
  const bad = ids.find((id) => typeof id !== 'string' || !BATCH_ID_RE.test(id));
  if (bad !== undefined)
    throw new SqsRefusal(
      'InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
    );
  if (new Set(ids).size !== ids.length)
    throw new SqsRefusal(
      'BatchEntryIdsNotDistinct',
      'Two or more batch entries in the request have the same Id.',
    );
  return entries;
}

function receiptHandle(body: Body): string {
  const handle = body.ReceiptHandle;
  if (typeof handle !== 'string' || handle === '')
    throw new SqsRefusal(
      'MissingParameter',
      'The request must contain the parameter ReceiptHandle.',
    );
  return handle;
}

const invalidHandle = (handle: string) =>
  new SqsRefusal(
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );
