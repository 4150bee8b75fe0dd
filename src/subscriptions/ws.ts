import type http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  CloseCode,
  MessageType,
  handleProtocols as graphqlWsProtocol,
  makeServer,
  type Context,
  type ServerOptions as GraphqlWsOptions,
} from 'graphql-ws';
import type { Logger } from 'pino';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';

/** What graphql-ws hands jobgraph's hooks beside the connection context: the socket and its upgrade request. */
export interface WsExtra {
  readonly socket: WebSocket;
  readonly request: http.IncomingMessage;
}

/**
 * How long a new socket may take to send `connection_init`, ms: graphql-ws's client sends it as
 * soon as the socket opens, so 3 s is many round trips of a slow link, and a socket that sends
 * nothing holds a pending slot no longer. Fixed (was JOBGRAPH_WEBSOCKET_INIT_TIMEOUT_MS).
 */
const INIT_TIMEOUT_MS = 3000;

export interface WsAdapterOptions<P extends Record<PropertyKey, unknown> | undefined> {
  /** graphql-ws's own server options (hooks, schema, `subscribe`). */
  server: GraphqlWsOptions<P, WsExtra>;
  /** The path sockets are accepted on. */
  path: string;
  /** Largest frame a client may send; a larger one closes its socket with 1009. */
  maxPayload: number;
  /** Ping interval; a socket that does not answer the ping within as long is cut. */
  heartbeatMs: number;
  /**
   * Authenticated sockets (past `connection_init`) the process holds at most
   * (JOBGRAPH_MAX_WEBSOCKETS): an upgrade while they are all taken is answered 503, and a
   * `connection_init` that would go beyond it is refused with 1013 (Try Again Later).
   */
  maxSockets: number;
  /** Authenticated sockets one caller may hold (JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER); one more is refused at `connection_init` with 4429. */
  maxSocketsPerCaller: number;
  /**
   * Sockets not yet past `connection_init` held at most, apart from the authenticated ones
   * (JOBGRAPH_MAX_WEBSOCKETS_PENDING): when full, the oldest is closed (4408) to make room.
   */
  maxPendingSockets: number;
  /** How long a new socket may take to send `connection_init`, in ms (default INIT_TIMEOUT_MS); then 4408. */
  initTimeoutMs?: number;
  /** Whether an upgrade whose `Origin` header is `origin` may open a socket; one without `Origin` always may. */
  originAllowed(origin: string, request: http.IncomingMessage): boolean;
  /** Who a socket accepted at `connection_init` belongs to (the token's subject), for the per-caller cap. */
  callerOf(ctx: Context<P, WsExtra>): string;
  /**
   * Whether an upgrade is refused for its caller's request rate: its Retry-After in seconds (the
   * upgrade is answered 429), null to go on; null instead of a promise when it is not checked.
   */
  upgradeRefusal?(request: http.IncomingMessage): Promise<number | null> | null;
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
 * over its `makeServer`, with what a gateway needs beside it: bounded sockets, and every error the
 * libraries raise (oversized frames, failed hooks, sockets reset mid-write) written as one scrubbed
 * log line instead of a stack trace on stderr, with no internal text in a close reason.
 *
 * Sockets are counted in two pools, so no one can take every socket from the others. A socket
 * that has not sent `connection_init` is *pending*: at most `maxPendingSockets` of them, and when
 * that pool is full the oldest is closed to make room, so sockets opened and left silent (churn)
 * cannot keep out a caller who sends `connection_init` as soon as the socket opens; each gets
 * `initTimeoutMs` to send it. A socket whose `connection_init` the server accepted is
 * *authenticated*: at most `maxSockets` in the process and `maxSocketsPerCaller` per caller,
 * checked when `connection_init` is accepted (an upgrade is answered 503 only while every
 * authenticated slot is taken). A socket in between (its token being verified) is in neither.
 */
export function attachWebSocket<P extends Record<PropertyKey, unknown> | undefined>(
  httpServer: http.Server,
  options: WsAdapterOptions<P>,
): WsAdapter {
  const sockets = new WsSockets(options);
  httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
    sockets.upgrade(req, socket, head),
  );
  return {
    size: () => sockets.size(),
    dispose: (code, reason) => sockets.dispose(code, reason),
  };
}

/** The sockets of attachWebSocket: its two pools, the count per caller, graphql-ws's server and ws's. */
class WsSockets<P extends Record<PropertyKey, unknown> | undefined> {
  private readonly logger: Logger;
  /** Sockets not yet past `connection_init`, in the order they opened: the first is the oldest. */
  private readonly pending = new Set<WebSocket>();
  /** Authenticated sockets → their caller. */
  private readonly authenticated = new Map<WebSocket, string>();
  private readonly perCaller = new Map<string, number>();
  /** Whether the pending pool was found full by the last socket that opened (one log line per spell). */
  private pendingFull = false;
  private readonly sockets = new Set<WebSocket>();
  private closing = false;
  private readonly server: ReturnType<typeof makeServer<P, WsExtra>>;
  private readonly wss: WebSocketServer;

  constructor(private readonly options: WsAdapterOptions<P>) {
    this.logger = options.logger;
    this.server = makeServer<P, WsExtra>({
      ...options.server,
      connectionInitWaitTimeout: options.initTimeoutMs ?? INIT_TIMEOUT_MS,
      onConnect: (ctx) => this.admit(ctx),
    });
    // ws bounds the closing handshake too (its own default waits 30 s for a client that never
    // answers), so a socket closed for any reason gives its descriptor back within a second.
    const wssOptions: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      maxPayload: options.maxPayload,
      handleProtocols: graphqlWsProtocol,
      closeTimeout: CLOSE_HANDSHAKE_MS,
    };
    this.wss = new WebSocketServer(wssOptions);
  }

  size(): number {
    return this.sockets.size;
  }

  /** `connection_init`: the hook's verdict, then the per-caller and process caps. */
  private async admit(ctx: Context<P, WsExtra>): Promise<boolean | Record<string, unknown>> {
    const { options, logger, authenticated } = this;
    const { socket } = ctx.extra;
    this.pending.delete(socket);
    const verdict = (await options.server.onConnect?.(ctx)) ?? true;
    // Refused, or gone while its token was verified (nothing to count then).
    if (verdict === false || socket.readyState !== socket.OPEN) return false;
    const caller = options.callerOf(ctx);
    const mine = this.perCaller.get(caller) ?? 0;
    if (mine >= options.maxSocketsPerCaller) {
      logger.warn(
        { transport: 'ws', open: mine, limit: options.maxSocketsPerCaller },
        'websocket refused at connection_init: too many sockets for this caller (JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER)',
      );
      closeSocket(
        socket,
        TOO_MANY_FOR_CALLER,
        `Too many sockets for this caller (JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER=${options.maxSocketsPerCaller})`,
      );
      return false;
    }
    if (authenticated.size >= options.maxSockets) {
      logger.warn(
        { transport: 'ws', open: authenticated.size, limit: options.maxSockets },
        'websocket refused at connection_init: too many open sockets (JOBGRAPH_MAX_WEBSOCKETS)',
      );
      closeSocket(
        socket,
        TRY_AGAIN_LATER,
        `Too many sockets (JOBGRAPH_MAX_WEBSOCKETS=${options.maxSockets}); try again later`,
      );
      return false;
    }
    authenticated.set(socket, caller);
    this.perCaller.set(caller, mine + 1);
    return verdict;
  }

  /** An error of a connection before (or instead of) its handshake: a reset, a broken pipe. The client is gone; nothing is owed to it. */
  private readonly rawSocketError = (err: Error) =>
    this.logger.debug(
      { transport: 'ws', ...errorSummary(err) },
      'websocket upgrade connection error',
    );

  /** An `upgrade` request: refused (path, shutdown, origin, the process cap) or handed to ws. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const { options, logger } = this;
    // Node hands an upgrade's connection over with no 'error' listener: without this one, a
    // client that resets it before the handshake is done would end the process with a stack trace.
    socket.on('error', this.rawSocketError);
    if (pathOf(req.url) !== options.path) return refuse(socket, '404 Not Found');
    if (this.closing) return refuse(socket, '503 Service Unavailable');
    const origin = req.headers.origin;
    if (origin !== undefined && !options.originAllowed(origin, req)) {
      logger.info(
        { transport: 'ws', origin: origin.slice(0, 200) },
        'websocket refused: origin not allowed (JOBGRAPH_CORS_ORIGINS)',
      );
      return refuse(socket, '403 Forbidden');
    }
    if (this.authenticated.size >= options.maxSockets) {
      logger.warn(
        { transport: 'ws', open: this.authenticated.size, limit: options.maxSockets },
        'websocket refused: too many open sockets (JOBGRAPH_MAX_WEBSOCKETS)',
      );
      return refuse(socket, '503 Service Unavailable');
    }
    const refusal = options.upgradeRefusal?.(req);
    if (!refusal) return this.handOver(req, socket, head);
    refusal.then(
      (retryAfter) => {
        if (socket.destroyed) return;
        // Shutdown may have begun while the rate was asked.
        if (this.closing) return refuse(socket, '503 Service Unavailable');
        if (retryAfter === null) return this.handOver(req, socket, head);
        // Not logged at info: a caller over its rate must not turn each refusal into a log line.
        logger.debug(
          { transport: 'ws' },
          'websocket refused: the caller is over its rate (JOBGRAPH_CALLER_RATE)',
        );
        refuse(socket, '429 Too Many Requests', { 'Retry-After': String(retryAfter) });
      },
      (err: unknown) => {
        logger.error({ transport: 'ws', ...errorSummary(err) }, 'websocket upgrade check failed');
        refuse(socket, '500 Internal Server Error');
      },
    );
  }

  /** An upgrade handed to ws, which completes its handshake. */
  private handOver(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // From here on ws owns the connection's errors (it closes the socket on each).
      socket.off('error', this.rawSocketError);
      this.opened(ws, req);
    });
  }

  /** A socket past its handshake: pending (the oldest closed when the pool is full), pinged, served by graphql-ws. */
  private opened(socket: WebSocket, request: http.IncomingMessage): void {
    const { logger } = this;
    this.sockets.add(socket);
    this.makeRoomForPending();
    this.pending.add(socket);
    // ws closes the socket itself on a protocol error (1002) or an oversized frame (1009); say so in one line.
    socket.on('error', (err) =>
      logger.info({ transport: 'ws', ...errorSummary(err) }, 'websocket error'),
    );
    let alive = true;
    const pinger = setInterval(() => {
      if (!alive) return void socket.terminate();
      alive = false;
      socket.ping();
    }, this.options.heartbeatMs);
    socket.on('pong', () => (alive = true));
    const closed = this.server.opened(
      {
        protocol: socket.protocol,
        // A socket lost mid-write (reset, broken pipe) is closed by ws, which ends its operations
        // through 'close' below: the write is not an error of the operation that made it.
        send: (data) =>
          new Promise<void>((resolve) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, () => resolve());
          }),
        close: (code, reason) => closeSocket(socket, code, reason),
        onMessage: (handle) =>
          socket.on('message', (data: Buffer) => this.message(socket, handle, data)),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      clearInterval(pinger);
      this.forget(socket);
      closed(code, reason.toString()).catch((err: unknown) =>
        logger.error({ transport: 'ws', ...errorSummary(err) }, 'websocket close failed'),
      );
    });
  }

  /** When the pending pool is full, close its oldest socket (4408) to make room. */
  private makeRoomForPending(): void {
    const { options } = this;
    if (this.pending.size < options.maxPendingSockets) {
      this.pendingFull = false;
      return;
    }
    const oldest = this.pending.values().next().value as WebSocket;
    this.pending.delete(oldest);
    if (!this.pendingFull)
      this.logger.warn(
        { transport: 'ws', limit: options.maxPendingSockets },
        'websocket pending pool full: closing the oldest sockets without connection_init (JOBGRAPH_MAX_WEBSOCKETS_PENDING)',
      );
    this.pendingFull = true;
    closeSocket(
      oldest,
      CloseCode.ConnectionInitialisationTimeout,
      `Too many sockets waiting for connection_init (JOBGRAPH_MAX_WEBSOCKETS_PENDING=${options.maxPendingSockets})`,
    );
  }

  /** One message to graphql-ws; a failure closes the socket (4400 for a server-only message, else 4500). */
  private message(socket: WebSocket, handle: (data: string) => Promise<void>, data: Buffer): void {
    const { logger } = this;
    const text = data.toString('utf8');
    handle(text).catch((err: unknown) => {
      const type = serverOnlyMessageType(text);
      if (type !== undefined) {
        // graphql-ws throws on a message only a server may send: the client broke the protocol.
        logger.info(
          { transport: 'ws', messageType: type },
          'websocket closed: the client sent a message only a server sends',
        );
        return closeSocket(socket, CloseCode.BadRequest, `Unexpected message of type ${type}`);
      }
      logger.error({ transport: 'ws', ...errorSummary(err) }, 'websocket message failed');
      closeSocket(socket, CloseCode.InternalServerError, 'Internal server error');
    });
  }

  /** A closed socket leaves every pool and its caller's count. */
  private forget(socket: WebSocket): void {
    this.sockets.delete(socket);
    this.pending.delete(socket);
    const caller = this.authenticated.get(socket);
    if (caller !== undefined) {
      this.authenticated.delete(socket);
      const left = (this.perCaller.get(caller) ?? 1) - 1;
      if (left > 0) this.perCaller.set(caller, left);
      else this.perCaller.delete(caller);
    }
  }

  async dispose(code: number, reason: string): Promise<void> {
    this.closing = true;
    const { sockets } = this;
    const all = [...sockets].map(
      (socket) =>
        new Promise<void>((resolve) =>
          socket.readyState === socket.CLOSED ? resolve() : socket.once('close', () => resolve()),
        ),
    );
    for (const socket of sockets) {
      closeSocket(socket, code, reason);
      // A client that does not answer the closing handshake is cut, so shutdown stays within its grace.
      setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
    }
    await Promise.all(all);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** Answer an upgrade with a bare HTTP status (and `headers`) and close its connection. */
function refuse(socket: Duplex, status: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  socket.once('finish', () => socket.destroy());
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\n${extra.join('')}Content-Length: 0\r\n\r\n`,
  );
}

/** How long a closing socket may take to answer the close frame before it is cut. */
const CLOSE_HANDSHAKE_MS = 1000;

/** Close code for a caller over JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER (graphql-ws's client does not retry it). */
const TOO_MANY_FOR_CALLER = 4429;
/** RFC 6455 registry 1013 Try Again Later: the process is at JOBGRAPH_MAX_WEBSOCKETS (graphql-ws's client retries it). */
const TRY_AGAIN_LATER = 1013;

/** Longest close reason a frame can carry (RFC 6455: 125-byte control frames, 2 of them the code). */
const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Close a socket at `connection_init` for missing or invalid credentials: 4401 Unauthorized, as
 * graphql-ws names it, with `reason` cut to what a close frame holds. graphql-ws's client does not
 * retry 4401 (it does retry the 4403 its server sends when `onConnect` returns false, in case
 * access is granted later), so a client without a valid token learns why at once. The hook then
 * returns false; graphql-ws's own 4403 finds the socket closing and is not sent.
 */
export function closeUnauthorized(socket: WebSocket, reason: string): void {
  let text = `Unauthorized: ${reason}`;
  while (Buffer.byteLength(text) > MAX_CLOSE_REASON_BYTES) text = `${text.slice(0, -2)}…`;
  closeSocket(socket, CloseCode.Unauthorized, text);
}

/** Close a socket unless it is already closing; ws cuts it if the close handshake takes longer than CLOSE_HANDSHAKE_MS. */
function closeSocket(socket: WebSocket, code?: number, reason?: string): void {
  if (socket.readyState === socket.OPEN) socket.close(code, reason);
}

/** The messages a client may send (graphql-transport-ws PROTOCOL.md); the others only a server sends. */
const CLIENT_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  MessageType.ConnectionInit,
  MessageType.Ping,
  MessageType.Pong,
  MessageType.Subscribe,
  MessageType.Complete,
]);

/** The type of a well-formed message that only a server may send (`next`, `error`, `connection_ack`), or undefined. */
function serverOnlyMessageType(text: string): string | undefined {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' && !CLIENT_MESSAGE_TYPES.has(type)
    ? type.slice(0, 32)
    : undefined;
}

/** An error as one log line's fields: its class, code and the first line of its message, cut short. Never a stack. */
function errorSummary(err: unknown): {
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
