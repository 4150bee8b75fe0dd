import { spawn, type ChildProcess } from 'node:child_process';
import { childEnv } from '../lib/settings.ts';
import { INSPECT_LOOPBACK, inspectorUrl } from './inspector.ts';
import { inLimit, type MemoryLimit } from './memoryLimit.ts';
import { cpuTimeMicros, REPO_ROOT, rssBytes } from './proc.ts';

/** A server the rig started as its own process (a gateway, the peer, a bare baseline). */
export type ChildServer = Awaited<ReturnType<ReturnType<typeof watchChild>['ready']>>;

/** Watch a child (exit; with `inspect`, its inspector); `ready`: its handle once it listens. */
export function watchChild(child: ChildProcess, inspect = false) {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const inspector = inspect && child.stderr ? inspectorUrl(child.stderr) : null;
  const kill = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  const ready = async (url: string, what: string) => {
    const pid = child.pid ?? -1;
    const inspectorAt = inspector ? await inspector : null;
    if (inspect && !inspectorAt) {
      await kill();
      throw new Error(`${what}: no inspector on loopback`);
    }
    return {
      url,
      pid,
      inspector: inspectorAt, // its `ws://` URL on loopback, with `inspect`
      cpuMicros: () => cpuTimeMicros(pid),
      rss: () => rssBytes(pid),
      // SIGTERM, SIGKILL after 20 s; the exit code.
      stop: async () => {
        if (child.exitCode !== null) return child.exitCode;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
    };
  };
  return { exited, kill, ready };
}

/** `node --import tsx <serverFile> ...args`, clean environment, until it prints `{"port":N}`. */
export async function startChildServer(
  serverFile: string,
  args: readonly string[],
  options: { inspect?: boolean; memoryLimit?: MemoryLimit } = {},
) {
  const flags = options.inspect ? [INSPECT_LOOPBACK] : [];
  const node = [process.execPath, ...flags, '--import', 'tsx', serverFile, ...args];
  const [command, ...argv] = inLimit(options.memoryLimit, node);
  const child = spawn(command!, argv, {
    cwd: REPO_ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // stderr is read for the inspector's URL alone; all of it still reaches the bench's stderr.
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const watched = watchChild(child, options.inspect);
  const [line] = (await outputUntil(child, /^.+\n/, serverFile)).split('\n');
  const { port } = JSON.parse(line!) as { port: number };
  return watched.ready(`http://127.0.0.1:${port}/graphql`, serverFile);
}

/**
 * `child`'s stdout up to the moment `done` matches it (read on, unkept, so the pipe never fills);
 * rejects, naming `what`, if the child exits first.
 */
export function outputUntil(child: ChildProcess, done: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text: string | null = '';
    const exited = (code: number | null) => reject(new Error(`${what} exited (code ${code})`));
    child.once('exit', exited);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (text === null || !done.test((text += chunk.toString('utf8')))) return;
      child.off('exit', exited);
      resolve(text);
      text = null;
    });
  });
}
