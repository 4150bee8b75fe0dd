import http from 'node:http';
import net from 'node:net';

/** What a raw request got back: the status, the headers and the body as text. */
export interface RawHttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request over node:http, so its Host header, path, other headers and body go out exactly as
 * written (no fetch normalisation); resolves with the whole answer once it has ended.
 */
export function sendRaw(
  options: http.RequestOptions | URL,
  body?: string | Buffer,
): Promise<RawHttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A loopback port free a moment ago (listened on, then closed). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
