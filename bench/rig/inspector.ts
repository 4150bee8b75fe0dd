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

/** A DevTools Protocol session with the process at `url`: `send` a method, `close` it. */
async function session(url: string) {
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
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`no inspector at ${url}`)), {
      once: true,
    });
  });
  const close = () => {
    socket.close();
    return closed;
  };
  return { send, close };
}

/** `expression`'s value in the process at `url`, after a full collection with `collect`; the session closed on return. */
async function evaluate<T>(url: string, expression: string, collect = false): Promise<T> {
  const { send, close } = await session(url);
  try {
    if (collect) await send('HeapProfiler.collectGarbage');
    const answer = await send('Runtime.evaluate', { expression, returnByValue: true });
    return (answer as { result: { value: T } }).result.value;
  } finally {
    await close();
  }
}

/** `HeapProfiler.collectGarbage`, then `process.memoryUsage()`. */
export const memoryAfterCollection = (url: string) =>
  evaluate<NodeJS.MemoryUsage>(url, 'process.memoryUsage()', true);

/** V8's new space (young generation) committed now (`v8.getHeapSpaceStatistics()`, no collection). */
export const newSpaceBytes = (url: string) =>
  evaluate<number>(
    url,
    `process.getBuiltinModule('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size`,
  );

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/**
 * V8's sampling heap profiler on the process at `url`, objects the young and old generation
 * collections freed included, so its bytes are all that was allocated while it ran (V8 scales
 * each sample to estimate the bytes it stands for), not what survived. `stop` gives the bytes and
 * the `top` places by bytes allocated beneath them: each sample goes to the nearest frame of the
 * process's own code (not node_modules' nor Node's), so a library's allocation counts where our
 * code called it. It closes the session.
 */
export async function sampleAllocation(url: string, top = 12) {
  const { send, close } = await session(url);
  await send('HeapProfiler.startSampling', {
    samplingInterval: 65_536,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const by = new Map<string, number>();
  const walk = (node: ProfileNode, own: string) => {
    const { functionName, url: file, lineNumber } = node.callFrame;
    const ours = /^file:.*\/(dist|src|bench)\//.test(file) && !file.includes('/node_modules/');
    const here = ours
      ? `${functionName || '(anonymous)'} ${file.split('/').slice(-2).join('/')}:${lineNumber + 1}`
      : own;
    by.set(here, (by.get(here) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, here);
  };
  return {
    stop: async () => {
      try {
        const { profile } = (await send('HeapProfiler.stopSampling')) as {
          profile: { head: ProfileNode };
        };
        walk(profile.head, '(no frame of its own)');
        const bytes = [...by.values()].reduce((a, b) => a + b, 0);
        const sorted = [...by].sort((a, b) => b[1] - a[1]).slice(0, top);
        return { bytes, top: sorted.map(([where, b]) => ({ where, bytes: b })) };
      } finally {
        await close();
      }
    },
  };
}

type CdpAnswer = { id?: number; result?: unknown; error?: { message: string } };
