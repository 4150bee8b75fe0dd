import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';

/** What graphql-ws hands jobgraph's hooks beside the connection context: the socket and its upgrade request. */
export interface WsExtra {
  readonly socket: WebSocket;
  readonly request: http.IncomingMessage;
}

export interface WsAdapterOptions<P extends Record<PropertyKey, unknown> | undefined> {
  /** graphql-ws's own server options (hooks, schema, `subscribe`). */
  server: ServerOptions<P, WsExtra>;
  /** The path sockets are accepted on. */
  path: string;
  /** Largest frame a client may send; a larger one closes its socket with 1009. */
  maxPayload: number;
  /** Ping interval; a socket that does not answer the ping within as long is cut. */
  heartbeatMs: number;
  /** Sockets the process holds at most; an upgrade beyond it is answered 503. */
  maxSockets: number;
  logger: Logger;
}

export interface WsAdapter {
  /** Open sockets now. */
  size(): number;
  /** Refuse new sockets, close every open one with `code` and `reason`, and wait until all have closed. */
  dispose(code: number, reason: string): Promise<void>;
}

/**
 * graphql-transport-ws on `upgrade` requests, in the manner of graphql-ws's own `use/ws` adapter
 * over its `makeServer`, with what a gateway needs beside it: a bound on sockets per process,
 * and every error the libraries raise (oversized frames, failed hooks) written as one scrubbed
 * log line instead of a stack trace on stderr, with no internal text in a close reason.
 */
export function attachWebSocket<P extends Record<PropertyKey, unknown> | undefined>(
  httpServer: http.Server,
  options: WsAdapterOptions<P>,
): WsAdapter {
  const { logger } = options;
  const server = makeServer<P, WsExtra>(options.server);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    handleProtocols,
  });
  const sockets = new Set<WebSocket>();
  let closing = false;

  const refuse = (socket: Duplex, status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };

  httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathOf(req.url) !== options.path) return refuse(socket, '404 Not Found');
    if (closing) return refuse(socket, '503 Service Unavailable');
    if (sockets.size >= options.maxSockets) {
      logger.warn(
        { transport: 'ws', open: sockets.size, limit: options.maxSockets },
        'websocket refused: too many open sockets',
      );
      return refuse(socket, '503 Service Unavailable');
    }
    wss.handleUpgrade(req, socket, head, (ws) => opened(ws, req));
  });

  const opened = (socket: WebSocket, request: http.IncomingMessage) => {
    sockets.add(socket);
    // ws closes the socket itself on a protocol error (1002) or an oversized frame (1009); say so in one line.
    socket.on('error', (err) =>
      logger.info({ transport: 'ws', ...errorSummary(err) }, 'websocket error'),
    );
    let alive = true;
    const pinger = setInterval(() => {
      if (!alive) return void socket.terminate();
      alive = false;
      socket.ping();
    }, options.heartbeatMs);
    socket.on('pong', () => (alive = true));
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data: Buffer) => {
            handle(data.toString('utf8')).catch((err: unknown) => {
              logger.error({ transport: 'ws', ...errorSummary(err) }, 'websocket message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      clearInterval(pinger);
      sockets.delete(socket);
      closed(code, reason.toString()).catch((err: unknown) =>
        logger.error({ transport: 'ws', ...errorSummary(err) }, 'websocket close failed'),
      );
    });
  };

  return {
    size: () => sockets.size,
    dispose: async (code, reason) => {
      closing = true;
      const all = [...sockets].map(
        (socket) =>
          new Promise<void>((resolve) =>
            socket.readyState === socket.CLOSED ? resolve() : socket.once('close', () => resolve()),
          ),
      );
      for (const socket of sockets) {
        socket.close(code, reason);
        // A client that does not answer the closing handshake is cut, so shutdown stays within its grace.
        setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
      }
      await Promise.all(all);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** How long a closing socket may take to answer the close frame before it is cut. */
const CLOSE_HANDSHAKE_MS = 1000;

/** An error as one log line's fields: its class, code and the first line of its message, cut short. Never a stack. */
export function errorSummary(err: unknown): {
  errName: string;
  errCode?: string;
  errMessage: string;
} {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  const firstLine = e.message.split('\n', 1)[0] ?? '';
  return {
    errName: e.name.slice(0, 64),
    ...(typeof code === 'string' ? { errCode: code.slice(0, 64) } : {}),
    errMessage: firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine,
  };
}

function pathOf(url: string | undefined): string {
  const q = (url ?? '/').indexOf('?');
  return q >= 0 ? (url as string).slice(0, q) : (url ?? '/');
}
