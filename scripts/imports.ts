/**
 * The drawing of src/'s imports, checked: files as rooms, imports as arrows. Fails (exit 1) on any
 * import circle between files, and on more arrows running back up (from a lower floor to a higher
 * one, `FLOORS`) than `MAX_BACK_ARROWS`. Part of `npm run lint`; docs/architecture.md ("The
 * floors") draws the same table.
 *
 * Every import counts, `import type` included: a type-only circle is still two files that cannot
 * be read, moved or tested apart. Specifiers are read by TypeScript's own pre-processor
 * (`import`, `export … from`, `import()`), so `.ts` extensions, type-only lists and re-exports
 * need no resolver settings; only relative specifiers name files of the tree.
 *
 *   node scripts/imports.ts [dir]          the report for dir (default src/), with the floors
 *   node scripts/imports.ts --no-floors d  circles only (any tree, e.g. a test's fixture)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The floors, lowest first: a file may import its own floor (without a circle) and any floor
 * below. Each entry is a folder (`auth/`) or a file of src/; a file takes its longest match.
 * The emulators are not on a floor: they are a package of their own (packages/emulators/), which
 * imports nothing of src/ and which src/ reaches only by `import()` of @jobgraph/emulators.
 */
export const FLOORS: readonly (readonly [name: string, parts: readonly string[]])[] = [
  ['configuration', ['config/']],
  [
    'vocabulary',
    [
      'errors.ts',
      'model/job.ts',
      'model/failure.ts',
      'model/facts.ts',
      'model/keys.ts',
      'model/keyGrammar.ts',
      'model/safeText.ts',
    ],
  ],
  ['services', ['auth/', 'cache/', 'history/']],
  ['providers', ['datasources/', 'model/globalId.ts', 'model/jobKeys.ts']],
  // Services above the providers: acting on jobs calls them through their guarded sources.
  ['acting', ['actions/']],
  // notifications/: a service above the providers (it reads the registry's accounts and, to
  // confirm a transition, the sources) that the request context and the HTTP edge hand to the
  // resolvers — like acting on jobs, but it needs nothing of the graph: the request floor.
  [
    'request',
    [
      'limits/',
      'observability/',
      'logger.ts',
      'context.ts',
      'http/',
      'mcp/',
      'notifications/',
      'queues/',
    ],
  ],
  ['watching', ['subscriptions/']],
  ['graphql', ['resolvers/', 'sdl.ts', 'schema.ts']],
  ['gateway', ['server/', 'app.ts', 'gateway/', 'cli/']],
];

/** Arrows that may run back up, at most (the budget; today's count is in the report). */
export const MAX_BACK_ARROWS = 2;

/** file (relative to the tree's root, `/`-separated) → the files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export function importGraph(root: string): ImportGraph {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(join(dir, e.name))
        : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')
          ? [join(dir, e.name)]
          : [],
    );
  const name = (file: string) => relative(root, file).split('\\').join('/');
  const files = walk(root);
  const known = new Set(files.map(name));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .filter((i) => i.fileName.startsWith('.'))
      .map((i) => name(resolve(dirname(file), i.fileName)))
      .filter((target) => known.has(target));
    graph.set(name(file), [...new Set(targets)].sort());
  }
  return graph;
}

/** The import circles: each strongly connected set of two or more files (or a file importing itself). */
export function circles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm, iterative so a deep tree cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: [file: string, edge: number][] = [[start, 0]];
    while (work.length > 0) {
      const top = work[work.length - 1] as [string, number];
      const [file, edge] = top;
      if (edge === 0) {
        index.set(file, next);
        low.set(file, next++);
        stack.push(file);
        onStack.add(file);
      }
      const targets = graph.get(file) ?? [];
      if (edge < targets.length) {
        top[1]++;
        const target = targets[edge] as string;
        if (!index.has(target)) work.push([target, 0]);
        else if (onStack.has(target))
          low.set(file, Math.min(low.get(file) as number, index.get(target) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent)
        low.set(parent[0], Math.min(low.get(parent[0]) as number, low.get(file) as number));
      if (low.get(file) === index.get(file)) {
        const members: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          members.push(member);
        } while (member !== file);
        if (members.length > 1 || targets.includes(file)) found.push(members.sort());
      }
    }
  }
  return found;
}

/** The floor of `file` (its longest matching part), or -1 when no floor names it. */
export function floorOf(file: string): number {
  let best = -1;
  let bestLength = -1;
  FLOORS.forEach(([, parts], floor) => {
    for (const part of parts)
      if ((part.endsWith('/') ? file.startsWith(part) : file === part) && part.length > bestLength)
        [best, bestLength] = [floor, part.length];
  });
  return best;
}

/** The arrows from a lower floor to a higher one, as `from → to` lines. */
export function backArrows(graph: ImportGraph): string[] {
  return [...graph].flatMap(([file, targets]) =>
    targets.filter((t) => floorOf(t) > floorOf(file)).map((t) => `${file} → ${t}`),
  );
}

/** One line per problem; empty when the tree is sound. */
export function report(
  graph: ImportGraph,
  floors: boolean,
): { problems: string[]; notes: string[] } {
  const problems = circles(graph).map((c) => `import circle of ${c.length} files: ${c.join(', ')}`);
  const notes = [
    `${graph.size} files, ${[...graph.values()].reduce((n, t) => n + t.length, 0)} imports, ${problems.length} circles`,
  ];
  if (floors) {
    for (const file of graph.keys())
      if (floorOf(file) < 0) problems.push(`${file} is on no floor (scripts/imports.ts FLOORS)`);
    const back = backArrows(graph);
    notes.push(
      `${back.length} arrows back up (at most ${MAX_BACK_ARROWS})`,
      ...back.map((b) => `  ${b}`),
    );
    if (back.length > MAX_BACK_ARROWS)
      problems.push(`${back.length} imports run back up a floor; at most ${MAX_BACK_ARROWS} may`);
  }
  return { problems, notes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const floors = !args.includes('--no-floors');
  const dir =
    args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('../src/', import.meta.url));
  const { problems, notes } = report(importGraph(dir), floors);
  for (const line of notes) process.stdout.write(`${line}\n`);
  for (const line of problems) process.stderr.write(`imports: ${line}\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
