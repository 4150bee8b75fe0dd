import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** What a script run over a raw connection can do. */
export interface RawConnection {
  socket: net.Socket;
  /** Resolves once the bytes received so far include `text`, or once the socket is closed. */
  until: (text: string) => Promise<void>;
  /** Everything received so far, as latin1 text. */
  received: () => string;
  /** Ends the connection with an RST instead of a FIN. */
  reset: () => void;
}

/**
 * A raw TCP connection to `url`'s host and port running `script`, which writes and waits for what
 * the server sends (`until`); resolves once the connection is closed, however it ends.
 */
export function rawConnection(url: string, script: (c: RawConnection) => unknown): Promise<void> {
  const { port, hostname } = new URL(url);
  return new Promise<void>((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let received = '';
    const waiters: { text: string; resolve: () => void }[] = [];
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      for (const w of waiters.splice(0)) {
        if (received.includes(w.text)) w.resolve();
        else waiters.push(w);
      }
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      for (const w of waiters.splice(0)) w.resolve();
      resolve();
    });
    const until = (text: string) =>
      new Promise<void>((r) => {
        if (received.includes(text) || socket.destroyed) r();
        else waiters.push({ text, resolve: r });
      });
    // An RST instead of a FIN: the server's next write fails with ECONNRESET or EPIPE.
    const reset = () => void (socket.destroyed || socket.resetAndDestroy());
    socket.once('connect', () => {
      Promise.resolve(script({ socket, until, received: () => received, reset })).then(
        () => undefined,
        () => reset(),
      );
    });
  });
}

/** One client WebSocket frame (masked unless told), text by default; payloads under 64 KiB. */
export function wsFrame(
  payload: string | Buffer,
  opts: { opcode?: number; masked?: boolean } = {},
): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const { opcode = 1, masked = true } = opts;
  const len = body.length;
  const head =
    len < 126
      ? Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | len])
      : Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | 126, len >> 8, len & 0xff]);
  if (!masked) return Buffer.concat([head, body]);
  const mask = randomBytes(4);
  return Buffer.concat([head, mask, body.map((b, i) => b ^ (mask[i % 4] as number))]);
}
