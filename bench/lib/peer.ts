import { fileURLToPath } from 'node:url';
import type { BenchProvider } from './ids.ts';
import { startChildServer, type ChildServer } from '../rig/childServer.ts';

/** Start the SDK peer (bench/peer/server.ts) as its own process, calling the emulators at `urls`. */
export function startPeer(urls: Record<BenchProvider, string>): Promise<ChildServer> {
  return startChildServer(fileURLToPath(new URL('../peer/server.ts', import.meta.url)), [
    JSON.stringify(urls),
  ]);
}
