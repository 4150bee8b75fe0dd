import { randomUUID } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse, ErrorAnswer } from './framework.ts';

/** The answers of AWS's REST-JSON protocol, as HealthOmics and AWS Batch write them. */
export interface RestJsonAnswers {
  /** The headers of every answer: JSON, a fresh request ID, the emulator clock's date. */
  headers: () => Record<string, string>;
  /** 200 with `body` as JSON. */
  ok: (body: unknown) => EmulatorResponse;
  /** An error: the status, `x-amzn-ErrorType: code` and `{"message": …}`. */
  error: (status: number, code: string, message: string) => EmulatorResponse;
  /** A scripted fault's error, under the request ID the fault names. */
  errorAnswer: (req: EmulatorRequest, answer: ErrorAnswer) => EmulatorResponse;
}

export function restJsonAnswers(now: () => number): RestJsonAnswers {
  const headers = (): Record<string, string> => ({
    'Content-Type': 'application/json',
    'x-amzn-RequestId': randomUUID(),
    Date: new Date(now()).toUTCString(),
  });
  const error = (status: number, code: string, message: string): EmulatorResponse => ({
    status,
    headers: { ...headers(), 'x-amzn-ErrorType': code },
    body: JSON.stringify({ message }),
  });
  return {
    headers,
    error,
    ok: (body) => ({ status: 200, headers: headers(), body: JSON.stringify(body) }),
    errorAnswer: (_req, answer) => {
      const out = error(answer.status, answer.code, answer.message);
      return { ...out, headers: { ...out.headers, 'x-amzn-RequestId': answer.requestId } };
    },
  };
}
