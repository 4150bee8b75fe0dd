import { accessSync, constants } from 'node:fs';
import process from 'node:process';
import { processEnvironment } from './config.ts';

/**
 * The gateway runs with V8's young generation capped at 2 × 16 MiB of semi-spaces.
 *
 * Under load V8 grows its young generation up to 2 × 64 MiB on Node 24. With 100 100-job queries in
 * flight, that headroom alone was ≈ 1.3 MB of resident memory per query. Capped at 16 MiB, the bench
 * measured 1.78 → 1.02 MB per query and a peak of 303 → 223 MB, with no CPU change it could measure.
 * A cap of 8 MiB gave 0.9 MB per query at about 3 % more CPU per job, which is inside this machine's
 * noise. A cap of 4 MiB gave 1.5 MB: objects that outlive two scavenges are promoted, and old
 * space then fills with them.
 *
 * V8 reads the flag only when the isolate is created (`v8.setFlagsFromString` later has no effect),
 * so a serving command that was not started with it replaces itself, before loading anything else,
 * with the same command plus the flag (`process.execve`: same pid, same stdio, no parent process
 * left behind). An operator who sets the flag in `NODE_OPTIONS` or on the node command line keeps
 * their value; `--max-semi-space-size=0` is V8's own default.
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size';
export const SEMI_SPACE_MB = 16;

export interface ProcessView {
  execPath: string;
  /** Node's own flags (process.execArgv). */
  execArgv: readonly string[];
  /** process.argv: node, the script, then the command's arguments. */
  argv: readonly string[];
  nodeOptions: string | undefined;
}

/** The argv to restart with, or undefined when the flag is already set (on the command line or in NODE_OPTIONS). */
export function restartArgs(view: ProcessView): string[] | undefined {
  // V8 reads `_` and `-` in a flag's name alike.
  const named = (flag: string) => flag.split('=', 1)[0]?.replaceAll('_', '-') === SEMI_SPACE_FLAG;
  const setIn = (flags: readonly string[]) => flags.some(named);
  if (setIn(view.execArgv) || setIn((view.nodeOptions ?? '').split(/\s+/))) return undefined;
  return [view.execPath, `${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB}`, ...view.execArgv, ...view.argv.slice(1)];
}

/**
 * Restarts this process with the young-generation cap unless it already has one. Returns only if
 * no restart happened: the flag was already set, the platform cannot replace a process (Windows,
 * or Node before 22.15 without `process.execve`), the Node binary can no longer be executed, or
 * the restart failed in a way Node reports by throwing; then stderr says so and the gateway goes
 * on with V8's default young generation.
 *
 * Node 24 aborts the process when the execve(2) call itself fails (Node reports such failures by
 * throwing only from a later release), so the binary is checked first; where a sandbox forbids
 * execve, setting the flag in `NODE_OPTIONS` skips the restart.
 */
export function capYoungGeneration(): void {
  const env = processEnvironment();
  const args = restartArgs({ execPath: process.execPath, execArgv: process.execArgv, argv: process.argv, nodeOptions: env.NODE_OPTIONS });
  if (!args || process.platform === 'win32' || typeof process.execve !== 'function') return;
  try {
    accessSync(process.execPath, constants.X_OK);
    process.execve(process.execPath, args, env);
  } catch (err) {
    process.stderr.write(
      `jobgraph: could not restart with ${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB} (${err instanceof Error ? err.message : String(err)}); going on with V8's default young generation\n`,
    );
  }
}
