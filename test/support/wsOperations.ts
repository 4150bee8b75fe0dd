import WebSocket from 'ws';

export type WsMessage = { id?: string; type: string; payload?: unknown };

/** A graphql-transport-ws socket past `connection_init` with `token`, sending operations one at a time. */
export async function openOperationSocket(gw: { server: { url: string } }, token: string) {
  const socket = new WebSocket(gw.server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: WsMessage[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString('utf8')) as WsMessage);
    for (const w of waiters.splice(0)) w();
  });
  const next = async (match: (m: WsMessage) => boolean): Promise<WsMessage> => {
    for (;;) {
      const found = messages.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(
    JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }),
  );
  await next((m) => m.type === 'connection_ack');
  return {
    /** The first `next` or `error` message of operation `id`. */
    operation: (id: string, query: string) => {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
      return next((m) => m.id === id && (m.type === 'next' || m.type === 'error'));
    },
    close: () => socket.close(),
  };
}
