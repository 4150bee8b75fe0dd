import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROCESS_CWD } from '../support/jobgraphProcess.ts';
import { BIN, runJobgraph as run } from '../support/jobgraphCli.ts';
import { stderrText } from '../support/stderrText.ts';

const LOADED_HOOK = fileURLToPath(new URL('../support/loadedModules.mjs', import.meta.url));

describe('The jobgraph command loads', () => {
  it('loads only what each command needs: nothing for --version, the configuration for --help, only jose and the configuration for token', async () => {
    const loaded = (args: string[]) =>
      run(args, { JOBGRAPH_JWT_SECRET: 'cli-test-secret-that-is-long-enough-0123' }, undefined, [
        '--import',
        LOADED_HOOK,
      ]);
    const modules = (stderr: string): string[] =>
      JSON.parse(/^LOADED (.*)$/m.exec(stderr)?.[1] ?? 'null');
    const heavy = (name: string) =>
      /^(@apollo\/|graphql|@graphql-tools\/|express|@aws-sdk\/client-|@keyv\/|pino$|jose$)/.test(
        name,
      ) || name === '@jobgraph/emulators';

    const version = await loaded(['--version']);
    expect(modules(version.stderr).filter((m) => !m.startsWith('node:'))).toEqual([
      'bin/jobgraph.mjs',
      'dist/auth/identity.js',
      'dist/cli/main.js',
    ]);

    const token = modules((await loaded(['token'])).stderr);
    // --help: the configuration (its variables' descriptions), which token loads too, and no package.
    const help = modules((await loaded(['--help'])).stderr).filter((m) => !m.startsWith('node:'));
    expect(help).toEqual([
      'bin/jobgraph.mjs',
      ...token.filter((m) => m.startsWith('dist/') && m !== 'dist/auth/mintToken.js'),
    ]);
    expect(token).toContain('jose');
    expect(token.filter((m) => heavy(m) && m !== 'jose')).toEqual([]);
    expect(token.filter((m) => m.startsWith('dist/'))).toEqual([
      'dist/auth/identity.js',
      'dist/auth/mintToken.js',
      'dist/cli/main.js',
      'dist/config/accounts.js',
      'dist/config/actions.js',
      'dist/config/auth.js',
      'dist/config/cache.js',
      'dist/config/endpoints.js',
      'dist/config/env.js',
      'dist/config/events.js',
      'dist/config/history.js',
      'dist/config/index.js',
      'dist/config/limits.js',
      'dist/config/load.js',
      'dist/config/notifications.js',
      'dist/config/patterns.js',
      'dist/config/publicUrl.js',
      'dist/config/tracing.js',
      'dist/config/unknownVariables.js',
      'dist/config/variableDocs.js',
    ]);
  });

  it('never loads the emulators in live mode: the gateway imports @jobgraph/emulators for demo alone', async () => {
    /** The modules a started command loaded, once `ready` shows on its output and SIGTERM stopped it. */
    const loadedBy = async (args: string[], env: Record<string, string>, ready: RegExp) => {
      const child = spawn(process.execPath, ['--import', LOADED_HOOK, BIN, ...args], {
        env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: PROCESS_CWD,
      });
      let out = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = once(child, 'exit');
      await expect.poll(() => ready.test(out + stderrText(stderr))).toBe(true);
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(/^LOADED (.*)$/m.exec(stderr)?.[1] ?? 'null') as string[];
    };
    const live = await loadedBy(
      [],
      {
        JOBGRAPH_JWT_SECRET: 'cli-test-secret-that-is-long-enough-0123',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      /start-up summary[\s\S]*\n {2}limits[^\n]*\n/,
    );
    // The whole live gateway loaded (Apollo Server, the app), and nothing of the emulators.
    expect(live).toEqual(expect.arrayContaining(['@apollo/server', 'dist/app.js']));
    expect(live.filter((m) => m.startsWith('@jobgraph/'))).toEqual([]);
    // `demo` does load them, as the hook names the package.
    const demo = await loadedBy(['demo'], {}, /Emulated upstreams:[\s\S]*={78}\n/);
    expect(demo).toContain('@jobgraph/emulators');
  });
});
