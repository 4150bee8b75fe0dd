import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One .dockerignore rule: whether it re-includes (`!`), and what it matches. */
interface Rule {
  include: boolean;
  pattern: RegExp;
  /** The rule's pattern text, for the "could a `!` rule reach below this directory?" test. */
  text: string;
}

/**
 * A .dockerignore pattern as a regular expression over a context-relative path, as Docker's
 * pattern matcher reads it: `*` is any run of characters but `/`, `?` one such character, `**`
 * any number of directories (also none); a leading `/` means the context root.
 */
function toRegExp(pattern: string): RegExp {
  const clean = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  let re = '';
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i] as string;
    if (c === '*' && clean[i + 1] === '*') {
      i++;
      if (clean[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function parseDockerignore(text: string): Rule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const include = l.startsWith('!');
      const text = include ? l.slice(1).trim() : l;
      return { include, pattern: toRegExp(text), text };
    });
}

/**
 * Whether Docker leaves `path` out of the build context: the last rule that matches the path or
 * one of its parent directories decides (a directory left out takes what is under it along,
 * unless a later `!` rule brings something back).
 */
function excluded(rules: Rule[], path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let out = false;
  for (const rule of rules) if (candidates.some((c) => rule.pattern.test(c))) out = !rule.include;
  return out;
}

/**
 * The files of the build context of `root` (paths relative to it, sorted): every file under it
 * that its .dockerignore does not leave out. A directory left out is not walked unless a `!` rule
 * names something below it.
 */
export function buildContextFiles(root: string): string[] {
  const rules = parseDockerignore(readFileSync(join(root, '.dockerignore'), 'utf8'));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        const reachable =
          !excluded(rules, path) ||
          rules.some((r) => r.include && (r.text.startsWith(`${path}/`) || r.text.includes('*')));
        if (reachable) walk(path);
      } else if (entry.isFile() && !excluded(rules, path)) files.push(path);
    }
  };
  walk('');
  return files.sort();
}
