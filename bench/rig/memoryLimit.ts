import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A memory cgroup with a limit, to run a gateway as a pod does: Node sizes V8's heap from it. */
export interface MemoryLimit {
  bytes: number;
  /** The cgroup's process list: a process that writes its PID there before it starts Node runs in it. */
  procs: string;
  /** Remove the cgroup (its processes must have exited). */
  remove(): void;
}

/** A fresh memory cgroup of `bytes`, or why there is none (most unprivileged containers). */
export function memoryLimit(name: string, bytes: number): MemoryLimit | { unavailable: string } {
  // cgroup v2 mounts one hierarchy with cgroup.controllers at its root; v1 one per controller.
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const root = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory';
  const dir = join(root, `${name}-${process.pid}`);
  try {
    if (v2 && !readFileSync(join(root, 'cgroup.subtree_control'), 'utf8').includes('memory'))
      return { unavailable: 'the cgroup v2 root does not delegate the memory controller' };
    mkdirSync(dir);
    writeFileSync(join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(bytes));
  } catch (error) {
    return { unavailable: `no writable memory cgroup (${(error as Error).message})` };
  }
  return {
    bytes,
    procs: join(dir, 'cgroup.procs'),
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // still in use, or gone: a stale empty cgroup costs nothing
      }
    },
  };
}

/** Kubernetes' quantity of bytes (`1024Mi`, `1Gi`) as a number. */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[match[2] as 'Ki' | 'Mi' | 'Gi'] ?? 1;
  return Number(match[1]) * unit;
}

/** The kit's memory limit per replica (deploy/sizing.json, which the manifests follow; manifests.test.ts checks it). */
export const KIT_LIMIT = (
  JSON.parse(readFileSync(new URL('../../deploy/sizing.json', import.meta.url), 'utf8')) as {
    kubernetes: { limits: { memory: string } };
  }
).kubernetes.limits.memory;

/** `node` (a command and its arguments) started in `limit`: a shell joins it, then becomes Node (same PID). */
export const inLimit = (limit: MemoryLimit | undefined, node: string[]) =>
  limit ? ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', limit.procs, ...node] : node;

/** A memory cgroup of the kit's limit, or why there is none. */
export const kitMemoryLimit = (name: string) => memoryLimit(name, quantityBytes(KIT_LIMIT));
