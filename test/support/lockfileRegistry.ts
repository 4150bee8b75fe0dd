import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An npm registry on loopback that knows only what a lockfile holds, so that an install of the
 * packed packages (`npm install -g <tarballs>`) makes no connection beyond loopback.
 *
 * A global install resolves the tarballs' dependencies afresh, so npm reads each dependency's
 * registry document (packument), also those of optional peer dependencies that nothing installs,
 * which `npm ci` never fetched. This registry answers each packument from the lockfile's `packages`
 * entries: the package's versions there, each with the manifest fields the lockfile keeps and
 * `dist: { tarball, integrity }`. With an integrity and a tarball URL, npm (pacote) reads the tarball
 * from its cache by that integrity before any fetch, where `npm ci` put it; so the tarball route is
 * asked only for a tarball the cache lacks, and that same cache is all it could answer from: it
 * answers 404 and counts a miss. A packument of a name the lockfile lacks (a dependency added but
 * not locked), or any other request, is a 404 and a miss too; a name the lockfile has only as an
 * optional peer dependency it never installed is a 404 and no miss.
 */
export interface LockfileRegistry {
  /** `http://127.0.0.1:<port>/`, for npm's `--registry`. */
  url: string;
  /** Names whose packument was served, in the order npm asked. */
  served: string[];
  /** Each request the lockfile could not answer, as a sentence naming the package. */
  misses: string[];
  close(): Promise<void>;
}

/** A lockfile `packages` entry: the fields this registry reads, and the manifest fields it copies. */
interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  [field: string]: unknown;
}

/** The fields of a lockfile entry that are a version's manifest fields in a packument. */
const MANIFEST_FIELDS = [
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
  'engines',
  'os',
  'cpu',
  'libc',
  'license',
  'funding',
  'hasInstallScript',
  'deprecated',
];

/** One package's versions in the lockfile, and the hoisted one (`node_modules/<name>`) as `latest`. */
interface Locked {
  versions: Map<string, LockEntry>;
  latest?: string;
}

/**
 * Each package name of the lockfile with its versions: every `packages` entry of a registry
 * package (an `integrity`, and a `resolved` URL if any: npm leaves it out with
 * `omit-lockfile-registry-resolved`), under its folder's name or its `name` (an alias's real
 * package). The root, workspace folders and their links (`link: true`), and git or file
 * dependencies are not in any registry.
 */
function lockedPackages(packages: Record<string, LockEntry>): Map<string, Locked> {
  const byName = new Map<string, Locked>();
  for (const [path, entry] of Object.entries(packages)) {
    const at = path.lastIndexOf('node_modules/');
    const fromRegistry = entry.resolved === undefined || /^https?:/.test(entry.resolved);
    if (at < 0 || entry.link || !fromRegistry || !entry.integrity || !entry.version) continue;
    const name = entry.name ?? path.slice(at + 'node_modules/'.length);
    const locked = byName.get(name) ?? { versions: new Map<string, LockEntry>() };
    byName.set(name, locked);
    if (!locked.versions.has(entry.version)) locked.versions.set(entry.version, entry);
    if (path === `node_modules/${name}`) locked.latest = entry.version;
  }
  return byName;
}

/**
 * Names the lockfile holds only as an optional peer dependency (`peerDependenciesMeta`), which npm
 * installs only when something else needs them: it asks for their packuments all the same, and
 * takes a 404 as "not installed", as the lockfile has them.
 */
function optionalPeers(
  packages: Record<string, LockEntry>,
  locked: Map<string, Locked>,
): Set<string> {
  const names = new Set<string>();
  for (const entry of Object.values(packages)) {
    const meta = (entry.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>;
    for (const [name, { optional }] of Object.entries(meta))
      if (optional && !locked.has(name)) names.add(name);
  }
  return names;
}

/** The tarball route of `name@version`: a registry's own path (`/<name>/-/<basename>-<version>.tgz`). */
function tarballPath(name: string, version: string): string {
  return `/${name}/-/${name.slice(name.lastIndexOf('/') + 1)}-${version}.tgz`;
}

/** The packument of one locked package, its tarball URLs under `base` (no trailing slash). */
function packument(name: string, locked: Locked, base: string): object {
  const versions: Record<string, object> = {};
  for (const [version, entry] of locked.versions) {
    const manifest: Record<string, unknown> = { name, version };
    for (const field of MANIFEST_FIELDS)
      if (entry[field] !== undefined) manifest[field] = entry[field];
    manifest.dist = { tarball: `${base}${tarballPath(name, version)}`, integrity: entry.integrity };
    versions[version] = manifest;
  }
  const latest = locked.latest ?? [...locked.versions.keys()][0];
  return { name, 'dist-tags': latest ? { latest } : {}, versions };
}

function answer(res: ServerResponse, status: number, body: object): void {
  // no-store: npm keeps no copy of a document served under a port that is gone after the test.
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Starts the registry on 127.0.0.1 (a free port) over the lockfile at `lockfilePath`. */
export async function startLockfileRegistry(lockfilePath: string): Promise<LockfileRegistry> {
  const lock = JSON.parse(await readFile(lockfilePath, 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const locked = lockedPackages(lock.packages);
  const notInstalled = optionalPeers(lock.packages, locked);
  const tarballs = new Map<string, string>();
  for (const [name, { versions }] of locked)
    for (const version of versions.keys())
      tarballs.set(tarballPath(name, version), `${name}@${version}`);
  const served: string[] = [];
  const misses: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://registry').pathname);
    const name = path.slice(1);
    const pkg = locked.get(name);
    const tarball = tarballs.get(path);
    if (req.method === 'GET' && pkg) {
      served.push(name);
      answer(res, 200, packument(name, pkg, base));
    } else if (req.method === 'GET' && notInstalled.has(name)) {
      answer(res, 404, { error: 'an optional peer dependency, not installed' });
    } else if (req.method === 'GET' && tarball) {
      misses.push(`the tarball of ${tarball} is not in npm's cache (run npm ci)`);
      answer(res, 404, { error: 'not in the cache' });
    } else {
      misses.push(`${req.method ?? 'GET'} /${name}: no such package in ${lockfilePath}`);
      answer(res, 404, { error: 'not in the lockfile' });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/`,
    served,
    misses,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
