// Preloaded with `node --import` by test/cli.test.ts: at exit, prints one line to stderr naming every
// module the process loaded: a package name for node_modules files and for the workspace's packages
// (packages/emulators/: `@jobgraph/emulators`), `dist/…` or `bin/…` for jobgraph's own.
import module from 'node:module';
import process from 'node:process';

const seen = new Set();
module.registerHooks({
  load(url, context, nextLoad) {
    const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
    const workspace = /\/packages\/([^/]+)\//.exec(url);
    seen.add(
      pkg
        ? pkg[1]
        : workspace
          ? `@jobgraph/${workspace[1]}`
          : url.replace(/^.*\/(dist|bin)\//, '$1/'),
    );
    return nextLoad(url, context);
  },
});
process.on('exit', () => process.stderr.write(`LOADED ${JSON.stringify([...seen].sort())}\n`));
