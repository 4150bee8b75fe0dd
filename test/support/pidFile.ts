import { existsSync, watch } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Resolves true once a daemon's `pidFile` exists (nginx writes it after opening its listening
 * sockets), or false once `exited` resolves first; watches the file's folder, no polling.
 */
export function pidFileWritten(pidFile: string, exited: Promise<unknown>): Promise<boolean> {
  const watcher = watch(dirname(pidFile));
  return new Promise<boolean>((resolve) => {
    const check = () => existsSync(pidFile) && resolve(true);
    watcher.on('change', check);
    void exited.then(() => resolve(false));
    check();
  }).finally(() => watcher.close());
}
