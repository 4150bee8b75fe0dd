import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { child, children, createXmlParser, text } from '../../../src/datasources/shared/xml.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// Each body is ~256–512 KB; only a 40-character text of each is kept.
const padding = `<Padding>${'p'.repeat(256 * 1024)}</Padding>`;
const BODIES = 200;

/** The heap 200 bodies leave behind when `read` keeps one 40-character text of each (body `i`'s text is `jobIdOf(i)`). */
function heapKept(read: (i: number) => string): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: BODIES }, (_, i) => read(i));
  gc();
  expect(kept[7]).toBe(jobIdOf(7));
  return process.memoryUsage().heapUsed - before;
}

const jobIdOf = (i: number) => String(i).padStart(40, 'j');

describe('The XML parser and the body it parsed', () => {
  // Held through sliced strings, the bodies would be 200 × 256 KB = 50 MB; the texts themselves are 8 KB.
  it('keeps no part of the body alive through the texts it returns', () => {
    const parse = createXmlParser([]);
    const grown = heapKept((i) => {
      const body = `<Answer>${padding}<JobId>${jobIdOf(i)}</JobId></Answer>`;
      return text(child(child(parse(body), 'Answer'), 'JobId')) as string;
    });
    expect(grown).toBeLessThan(5 * 1024 * 1024);
  });

  it('keeps no part of a list answer alive through the texts its members give', () => {
    const list = createXmlParser(['Answer.Jobs.member']);
    const grown = heapKept((i) => {
      const member = `<member><JobId>${jobIdOf(i)}</JobId>${padding}</member>`;
      const body = `<Answer>${padding}<Jobs>${member}</Jobs></Answer>`;
      const [read] = children(child(list(body)['Answer'], 'Jobs'), 'member');
      return text(child(read, 'JobId')) as string;
    });
    expect(grown).toBeLessThan(5 * 1024 * 1024);
  });
});
