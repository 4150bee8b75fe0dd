import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The documentation points only at what a clone or a reader on GitHub has: every relative link of
 * the README, the changelog, docs/ and bench/ names a file of the repository, and no path leaves
 * it (the design notes beside a working copy are not part of it).
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The Markdown files a reader of the repository reads. */
function markdownFiles(): string[] {
  const under = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? under(join(dir, e.name))
        : e.name.endsWith('.md')
          ? [join(dir, e.name)]
          : [],
    );
  return ['README.md', 'CHANGELOG.md', ...under('docs'), ...under('bench')];
}

/** Relative link targets of a Markdown text, without their `#fragment`. */
function relativeLinks(text: string): string[] {
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
  return targets
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'))
    .map((t) => t.split('#')[0]!);
}

describe('The documentation', () => {
  it.each(markdownFiles())('%s links only to files of the repository', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const wrong = relativeLinks(text).filter((target) => {
      const path = resolve(ROOT, dirname(file), decodeURIComponent(target));
      return relative(ROOT, path).startsWith('..') || !existsSync(path);
    });
    // A relative path written as code (`../shared/…`) is a link too: it must name a file here.
    const outside = [...text.matchAll(/`(\.\.\/[^`\s]+)`/g)]
      .map((m) => m[1]!)
      .filter((p) => {
        const path = resolve(ROOT, dirname(file), p);
        return relative(ROOT, path).startsWith('..') || !existsSync(path);
      });
    expect([...wrong, ...outside]).toEqual([]);
  });
});
