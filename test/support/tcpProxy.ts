import net from 'node:net';

/**
 * A loopback TCP load balancer in front of replicas, as a rolling deploy has one: each new
 * connection goes to the first upstream in its list that accepts it (a refused upstream is
 * skipped), and is piped both ways for as long as it lasts. `retire` takes an upstream out of
 * the list, as a load balancer does with a replica that is terminating; connections already
 * made to it are left alone, so what happens to them is the replica's doing.
 */
export interface TcpProxy {
  /** The port clients connect to, on 127.0.0.1. */
  port: number;
  /** The upstream port each connection was forwarded to, in the order the connections came. */
  forwarded: number[];
  /** Send no new connection to `port`. */
  retire(port: number): void;
  /** Stop listening and cut every connection. */
  close(): Promise<void>;
}

export async function startTcpProxy(upstreamPorts: number[]): Promise<TcpProxy> {
  const upstreams = [...upstreamPorts];
  const forwarded: number[] = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  /** The first upstream that accepts a connection, or null when none does. */
  const connectUpstream = async (): Promise<{ socket: net.Socket; port: number } | null> => {
    for (const port of [...upstreams]) {
      const socket = net.connect(port, '127.0.0.1');
      const accepted = await new Promise<boolean>((resolve) => {
        socket.once('connect', () => resolve(true));
        socket.once('error', () => resolve(false));
      });
      if (accepted) return { socket, port };
      socket.destroy();
    }
    return null;
  };

  // Paused until the upstream is chosen, so no byte the client sends first is lost.
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.on('error', () => client.destroy());
    void connectUpstream().then((upstream) => {
      if (!upstream || client.destroyed) {
        upstream?.socket.destroy();
        return void client.destroy();
      }
      const { socket, port } = upstream;
      forwarded.push(port);
      track(socket);
      // Either side going away takes the other with it, as a real balancer's connection does:
      // an end is passed on as an end (after the bytes before it), a reset as a reset.
      socket.on('error', () => socket.destroy());
      socket.once('close', (hadError) => (hadError ? client.destroy() : client.end()));
      client.once('close', (hadError) => (hadError ? socket.destroy() : socket.end()));
      client.pipe(socket);
      socket.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    forwarded,
    retire: (port) => {
      const i = upstreams.indexOf(port);
      if (i >= 0) upstreams.splice(i, 1);
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
