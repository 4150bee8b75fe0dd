import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  child,
  children,
  createXmlListParser,
  createXmlParser,
  text,
} from '../../../src/datasources/shared/xml.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('The XML parser and the body it parsed', () => {
  it('keeps no part of the body alive through the texts it returns', () => {
    const parse = createXmlParser([]);
    // Each body is ~256 KB; only a 40-character text of each is kept.
    const padding = `<Padding>${'p'.repeat(256 * 1024)}</Padding>`;
    const bodies = 200;
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: string[] = [];
    for (let i = 0; i < bodies; i++) {
      const body = `<Answer>${padding}<JobId>${String(i).padStart(40, 'j')}</JobId></Answer>`;
      kept.push(text(child(child(parse(body), 'Answer'), 'JobId')) as string);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(kept[7]).toBe(String(7).padStart(40, 'j'));
    // Held through sliced strings, the bodies would be 200 × 256 KB = 50 MB; the texts themselves are 8 KB.
    expect(grown).toBeLessThan(5 * 1024 * 1024);
  });

  it('keeps no part of a list answer alive through the texts its members give', () => {
    const list = createXmlListParser('Answer.Jobs.member');
    const padding = `<Padding>${'p'.repeat(256 * 1024)}</Padding>`;
    const bodies = 200;
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: string[] = [];
    for (let i = 0; i < bodies; i++) {
      const jobId = String(i).padStart(40, 'j');
      const body = `<Answer>${padding}<Jobs><member><JobId>${jobId}</JobId>${padding}</member></Jobs></Answer>`;
      const [member] = children(child(list.parse(body)['Answer'], 'Jobs'), 'member');
      kept.push(text(child(list.member(member), 'JobId')) as string);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(kept[7]).toBe(String(7).padStart(40, 'j'));
    // Held through sliced strings, the bodies (or each member's text) would be 200 × 256–512 KB.
    expect(grown).toBeLessThan(5 * 1024 * 1024);
  });
});
