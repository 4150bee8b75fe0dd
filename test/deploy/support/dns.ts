import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter, once } from 'node:events';

/**
 * A DNS server on 127.0.0.1 for nginx's `resolver`, answering A queries from a table the test
 * changes: what Docker's (or podman's) embedded DNS does for a compose network, where a stopped
 * container's name stops resolving and a started one resolves to its new address. A name not in
 * the table is NXDOMAIN; any other query type has no answer. Emits 'query' (name) for each query.
 */
export class TestDns extends EventEmitter<{ query: [string] }> {
  private readonly names = new Map<string, string[]>();
  /** Every name asked, in order. */
  readonly asked: string[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    super();
    socket.on('message', (msg, peer) => {
      const reply = this.answer(msg);
      if (reply) socket.send(reply, peer.port, peer.address);
    });
  }

  static async start(): Promise<TestDns> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new TestDns(socket, socket.address().port);
  }

  /** `name` resolves to `addresses` from now on (none: NXDOMAIN). */
  set(name: string, addresses: string[]): void {
    if (addresses.length) this.names.set(name.toLowerCase(), addresses);
    else this.names.delete(name.toLowerCase());
  }

  /** Resolves at the next query for `name` (nginx asks again once its cached answer expired). */
  nextQuery(name: string): Promise<void> {
    return new Promise((resolve) => {
      const listener = (asked: string) => {
        if (asked !== name.toLowerCase()) return;
        this.off('query', listener);
        resolve();
      };
      this.on('query', listener);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(msg: Buffer): Buffer | undefined {
    if (msg.length < 17 || msg.readUInt16BE(4) !== 1) return undefined;
    const labels: string[] = [];
    let at = 12;
    while (at < msg.length && msg[at] !== 0) {
      const len = msg[at] as number;
      labels.push(msg.subarray(at + 1, at + 1 + len).toString('latin1'));
      at += 1 + len;
    }
    const questionEnd = at + 5;
    if (questionEnd > msg.length) return undefined;
    const type = msg.readUInt16BE(at + 1);
    const name = labels.join('.').toLowerCase();
    this.asked.push(name);
    this.emit('query', name);
    const known = this.names.get(name);
    const addresses = type === 1 ? (known ?? []) : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    // A response, recursion desired and available; NXDOMAIN (3) for a name not in the table.
    header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const answers = addresses.map((address) => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(600, 6); // Docker's TTL; nginx's `valid=` overrides it
      rr.writeUInt16BE(4, 10);
      address.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
      return rr;
    });
    return Buffer.concat([header, msg.subarray(12, questionEnd), ...answers]);
  }
}
