import {
  awsCallers,
  jsonAuthRefusal,
  signingRegionOf,
  type AwsAccountsOptions,
  type AwsCallers,
} from '../awsCaller.ts';
import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from '../framework.ts';
import { createEventBus, type EventBus, type EventSwitches } from './eventBus.ts';
import { parseQueueUrl, SQS_OPERATIONS, type Body, type Caller } from './operations.ts';
import { createQueueStore, type QueueStore } from './queues.ts';
import { JSON_10, sqsAnswers, SqsRefusal, TARGET_PREFIX } from './wire.ts';

export { parseQueueUrl, SQS_MAX_MESSAGE_BYTES } from './operations.ts';

export interface SqsEmulatorOptions extends AwsAccountsOptions {
  /** Clock in ms for signature checks and the Date header (default Date.now). */
  now?: () => number;
  /**
   * The queues' clock in ms: send times, delays, visibility timeouts, long polls (default
   * Date.now, real time, whatever `now` is: a visibility timeout passes as it would).
   */
  queueClock?: () => number;
  /** The event bus's switches at start (`EventSwitches`; default none). */
  eventSwitches?: Partial<EventSwitches>;
  /** Random source of the bus's rates (default Math.random). */
  random?: () => number;
}

/** The SQS emulator: a provider emulator, and its queues for the emulators that publish into them. */
export interface SqsEmulator extends ProviderEmulator {
  readonly store: QueueStore;
  /**
   * EventBridge's delivery into these queues: the publishing emulators' events go to the
   * `jobgraph-events` queue of their account and region, through its switches (over HTTP: `GET`,
   * `POST` a patch, `DELETE` to reset, at `/__emulator/events`).
   */
  readonly bus: EventBus;
  /**
   * Refuse (or, with `denied` false, allow again) every call on the queue of `queueUrl` in
   * `region` with AccessDenied 403, as a queue policy that no longer lets the caller in would;
   * returns whether the queue exists. Over HTTP: `POST /__emulator/queues/denied` with
   * `{"queueUrl", "denied", "region"?}`.
   */
  deny(queueUrl: string, denied?: boolean, region?: string): boolean;
  /**
   * Answer the next `count` messages received from the queue of `queueUrl` in `region` with a
   * `MD5OfBody` that does not match their body (a body damaged on its way); returns whether the
   * queue exists. Over HTTP: `POST /__emulator/queues/corrupt` with `{"queueUrl", "count"?, "region"?}`.
   */
  corrupt(queueUrl: string, count?: number, region?: string): boolean;
}

/** The region a queue is looked up in when a switch names none: the demo's. */
const DEFAULT_SWITCH_REGION = 'us-east-1';

/**
 * Amazon SQS as `@aws-sdk/client-sqs` v3 speaks it: AWS JSON 1.0, `POST /` with
 * `X-Amz-Target: AmazonSQS.<Operation>`, SigV4 `sqs` in the region of the credential scope, the
 * queue named by `QueueUrl` in the body. Queue URLs are `http://<host>/<account>/<name>` on the
 * emulator's own address (the Host a request came to), so the SDK, which sends a call to its
 * QueueUrl's origin when no endpoint is configured, reaches the emulator either way.
 *
 * Operations: CreateQueue, GetQueueUrl, ListQueues, GetQueueAttributes, SendMessage,
 * SendMessageBatch, ReceiveMessage (long polls of up to 20 s answer as soon as a message is
 * visible), DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility, PurgeQueue. Standard
 * queues only. A queue is its owner account's in the region it was made in: another account's
 * caller (no queue policy is emulated) and a queue switched to `denied` are AccessDenied (403); a
 * queue of another region or none QueueDoesNotExist.
 */
export function createSqsEmulator(opts: SqsEmulatorOptions = {}): SqsEmulator {
  const now = opts.now ?? Date.now;
  const store = createQueueStore(opts.queueClock ?? Date.now);
  const bus = createEventBus(store, {
    ...(opts.eventSwitches ? { switches: opts.eventSwitches } : {}),
    ...(opts.random ? { random: opts.random } : {}),
  });
  const callers = awsCallers(opts, { service: 'sqs', now });
  const answers = sqsAnswers(now);
  const { error } = answers;

  const handle = sqsHandler(store, callers, answers);

  const { deny, corrupt, control } = sqsSwitches(store, bus);

  return {
    name: 'sqs',
    store,
    bus,
    deny,
    corrupt,
    control,
    handle,
    describe(req) {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : `${req.method} ${req.path}`;
      let job: string | null = null;
      try {
        const body = JSON.parse(req.body) as { QueueUrl?: unknown };
        const parts = typeof body.QueueUrl === 'string' ? parseQueueUrl(body.QueueUrl) : null;
        if (parts) job = `${signingRegionOf(req) ?? '?'}/${parts.accountId}/${parts.name}`;
      } catch {
        // No JSON body: no queue to name.
      }
      return { operation, job, ...callers.otherAccountOf(req) };
    },
    throttled: () => error('RequestThrottled', 'Rate exceeded'),
    serverError: () =>
      error('InternalFailure', 'We encountered an internal error. Please try again.'),
    errorAnswer: (_req, a) =>
      answers.raw(a.status, `com.amazonaws.sqs#${a.code}`, a.code, a.message, a.requestId),
    malformed: () => ({
      status: 200,
      headers: answers.headers(),
      body: '{"Messages":[{"MessageId":"',
    }),
    close() {
      bus.close();
      store.close();
    },
  };
}

/** The query protocol's name of an auth refusal (the code query-compatible clients see). */
function queryAuthCode(code: string): string {
  const names: Record<string, string> = {
    MissingAuthenticationTokenException: 'MissingAuthenticationToken',
    IncompleteSignatureException: 'IncompleteSignature',
    UnrecognizedClientException: 'InvalidClientTokenId',
    ExpiredTokenException: 'ExpiredToken',
    InvalidSignatureException: 'SignatureDoesNotMatch',
  };
  return names[code] ?? code;
}

/** The emulator's `handle`: the caller's signature, the operation and its body, then the answer. */
function sqsHandler(
  store: QueueStore,
  callers: AwsCallers,
  answers: ReturnType<typeof sqsAnswers>,
): (req: EmulatorRequest) => Promise<EmulatorResponse> {
  const { ok, error } = answers;
  return async (req) => {
    const auth = await callers.verify(req);
    if (!auth.ok) {
      const { status, code, message } = jsonAuthRefusal(auth, { tokenStatus: 403 });
      return answers.raw(status, `com.amazon.coral.service#${code}`, queryAuthCode(code), message);
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = SQS_OPERATIONS[target.slice(TARGET_PREFIX.length)];
    if (
      req.method !== 'POST' ||
      req.rawPath !== '/' ||
      !target.startsWith(TARGET_PREFIX) ||
      !operation
    )
      return error('UnknownOperation', `Unknown operation ${target}`);
    if (!String(req.headers['content-type'] ?? '').startsWith(JSON_10))
      return error('SerializationException', `Content-Type must be ${JSON_10}`);
    let body: unknown;
    try {
      body = req.body.trim() === '' ? {} : JSON.parse(req.body);
    } catch {
      return error('SerializationException', 'The request body is not JSON.');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return error('SerializationException', 'The request body must be a JSON object.');
    const caller: Caller = {
      accountId: auth.accountId,
      userId: auth.key.userId,
      region: signingRegionOf(req) ?? '',
      origin: `http://${req.headers.host ?? '127.0.0.1'}`,
    };
    try {
      return ok((await operation(store, caller, body as Body, req.signal)) ?? {});
    } catch (err) {
      if (err instanceof SqsRefusal) return error(err.error, err.message);
      throw err;
    }
  };
}

/** The emulator's own switches: AccessDenied per queue, and the event bus's switches, in process and over HTTP. */
function sqsSwitches(
  store: QueueStore,
  bus: EventBus,
): {
  deny: SqsEmulator['deny'];
  corrupt: SqsEmulator['corrupt'];
  control: (req: EmulatorRequest) => EmulatorResponse | null;
} {
  const queueAt = (queueUrl: string, region: string) => {
    const parts = parseQueueUrl(queueUrl);
    return (parts && store.get(region, parts.accountId, parts.name)) ?? undefined;
  };
  function deny(queueUrl: string, denied = true, region = DEFAULT_SWITCH_REGION): boolean {
    const queue = queueAt(queueUrl, region);
    if (!queue) return false;
    queue.denied = denied;
    return true;
  }
  function corrupt(queueUrl: string, count = 1, region = DEFAULT_SWITCH_REGION): boolean {
    const queue = queueAt(queueUrl, region);
    if (!queue) return false;
    queue.corruptNext = Math.max(0, Math.floor(count));
    return true;
  }

  function control(req: EmulatorRequest): EmulatorResponse | null {
    if (req.rawPath === '/__emulator/events') return eventControl(req);
    if (req.rawPath === '/__emulator/queues/corrupt' && req.method === 'POST') {
      const body = JSON.parse(req.body || '{}') as {
        queueUrl?: unknown;
        count?: unknown;
        region?: unknown;
      };
      if (typeof body.queueUrl !== 'string') throw new Error('queueUrl must be a queue URL');
      const count = typeof body.count === 'number' ? body.count : 1;
      const region = typeof body.region === 'string' ? body.region : DEFAULT_SWITCH_REGION;
      return corrupt(body.queueUrl, count, region)
        ? { status: 200, headers: {}, body: JSON.stringify({ queueUrl: body.queueUrl, count }) }
        : { status: 404, headers: {}, body: '{"error":"no such queue"}' };
    }
    if (req.rawPath !== '/__emulator/queues/denied' || req.method !== 'POST') return null;
    const body = JSON.parse(req.body || '{}') as {
      queueUrl?: unknown;
      denied?: unknown;
      region?: unknown;
    };
    if (typeof body.queueUrl !== 'string') throw new Error('queueUrl must be a queue URL');
    const found = deny(
      body.queueUrl,
      body.denied !== false,
      typeof body.region === 'string' ? body.region : DEFAULT_SWITCH_REGION,
    );
    return found
      ? {
          status: 200,
          headers: {},
          body: JSON.stringify({ queueUrl: body.queueUrl, denied: body.denied !== false }),
        }
      : { status: 404, headers: {}, body: '{"error":"no such queue"}' };
  }

  /** The bus's switches: GET reads them, POST patches them, DELETE resets them. */
  function eventControl(req: EmulatorRequest): EmulatorResponse {
    if (req.method === 'POST')
      bus.setSwitches(JSON.parse(req.body || '{}') as Partial<EventSwitches>);
    else if (req.method === 'DELETE') bus.resetSwitches();
    return { status: 200, headers: {}, body: JSON.stringify(bus.switches) };
  }

  return { deny, corrupt, control };
}
