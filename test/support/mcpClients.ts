import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll } from 'vitest';
import { startDemoProcess, type DemoProcess } from './demoProcess.ts';

/** The MCP endpoint of the gateway whose GraphQL endpoint is `graphqlUrl`. */
export const mcpUrlOf = (graphqlUrl: string): string => graphqlUrl.replace(/\/graphql$/, '/mcp');

/** How a client introduces itself: its name, and whether it negotiates the protocol's version. */
interface ClientAs {
  name: string;
  /** False: a 2025-revision client (initialize, no version negotiation). */
  negotiate: boolean;
}

/**
 * Clients of the official MCP SDK, each connected over Streamable HTTP with a bearer token and
 * kept until `close` (the suite's afterAll, before its gateways stop). `name`: how they introduce
 * themselves unless `connect` says otherwise.
 */
export function mcpClients(name: string): {
  connect(mcpUrl: string, token: string, as?: ClientAs): Promise<Client>;
  close(): Promise<void>;
} {
  const clients: Client[] = [];
  return {
    async connect(mcpUrl, token, as = { name, negotiate: true }) {
      const client = as.negotiate
        ? new Client({ name: as.name, version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } })
        : new Client({ name: as.name, version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(mcpUrl), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

/**
 * `jobgraph demo` with its MCP write tools on, its tokens signed with `secret`, its data in a
 * fresh temporary folder (`dataDir`, named from `prefix`): started before all of a suite's tests
 * (`demo` is the process from then on), stopped and its folder removed after all.
 */
export function useMcpDemo(prefix: string, secret: string): { demo: DemoProcess; dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const demo = {} as DemoProcess;
  beforeAll(async () => {
    Object.assign(
      demo,
      await startDemoProcess({
        JOBGRAPH_DATA_DIR: dataDir,
        JOBGRAPH_JWT_SECRET: secret,
        JOBGRAPH_MCP_WRITE_TOOLS: 'on',
      }),
    );
  });
  afterAll(async () => {
    demo.child?.kill('SIGTERM');
    await demo.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { demo, dataDir };
}
