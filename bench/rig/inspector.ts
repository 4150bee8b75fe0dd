// A process's memory after a full collection, via its inspector (else it follows V8's last one).
import type { Readable } from 'node:stream';

/** The Node flag that opens the inspector on a free loopback port (never another interface). */
export const INSPECT_LOOPBACK = '--inspect=127.0.0.1:0';

/** The inspector's `ws://` URL from a child's stderr; null if none started or the stream ended. */
export function inspectorUrl(stderr: Readable): Promise<string | null> {
  return new Promise((resolve) => {
    let seen = '';
    const done = (url: string | null) => {
      stderr.off('data', onData);
      stderr.off('end', onEnd);
      resolve(url);
    };
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString('utf8')).slice(-4000);
      const url = /Debugger listening on (ws:\/\/\S+)/.exec(seen)?.[1];
      if (url) done(url);
      else if (/Starting inspector on \S+ failed/.test(seen)) done(null);
    };
    const onEnd = () => done(null);
    stderr.on('data', onData);
    stderr.once('end', onEnd);
  });
}

/** `HeapProfiler.collectGarbage`, then `process.memoryUsage()`; the session closed on return. */
export async function memoryAfterCollection(url: string): Promise<NodeJS.MemoryUsage> {
  const socket = new WebSocket(url);
  const closed = new Promise<void>((resolve) =>
    socket.addEventListener('close', () => resolve(), { once: true }),
  );
  const answers = new Map<number, (message: CdpAnswer) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as CdpAnswer;
    if (message.id !== undefined) answers.get(message.id)?.(message);
  });
  let lastId = 0;
  const send = (method: string, params: object = {}) =>
    new Promise<CdpAnswer>((resolve, reject) => {
      const id = ++lastId;
      answers.set(id, resolve);
      closed.then(() => reject(new Error(`inspector closed before answering ${method}`)), reject);
      socket.send(JSON.stringify({ id, method, params }));
    }).then((answer) => {
      if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
      return answer.result;
    });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`no inspector at ${url}`)), {
        once: true,
      });
    });
    await send('HeapProfiler.collectGarbage');
    const usage = await send('Runtime.evaluate', {
      expression: 'process.memoryUsage()',
      returnByValue: true,
    });
    return (usage as { result: { value: NodeJS.MemoryUsage } }).result.value;
  } finally {
    socket.close();
    await closed;
  }
}

type CdpAnswer = { id?: number; result?: unknown; error?: { message: string } };
