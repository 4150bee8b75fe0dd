/**
 * Micro-benchmark of the XML parse step, run by hand: `node --import tsx bench/xml.ts [N]`.
 * Parses the largest COS Batch and Import/Export fixture bodies N times (default 20000) with
 * fast-xml-parser, validated and configured as src/datasources/shared/xml.ts had it before its
 * own scanner, and with createXmlParser; prints µs per parse (wall time, one process, warmed up).
 */
import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { COSBATCH_ARRAY_PATHS } from '../src/datasources/cosbatch/parse.ts';
import { createXmlParser, decodeXmlText } from '../src/datasources/shared/xml.ts';

const N = Number(process.argv[2] ?? 20_000);
const bodies = [
  { name: 'cosbatch/success-full.xml', paths: COSBATCH_ARRAY_PATHS },
  { name: 'importexport/success-full.xml', paths: ['GetStatusResponse.GetStatusResult.ArtifactList.member'] },
];

function fastXmlParser(arrayPaths: readonly string[]): (body: string) => unknown {
  const arrays = new Set(arrayPaths);
  const lastNames = new Set(arrayPaths.map((path) => path.slice(path.lastIndexOf('.') + 1)));
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    processEntities: false,
    htmlEntities: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    jPath: false,
    isArray: (name, jpath) => lastNames.has(name) && arrays.has(String(jpath)),
    tagValueProcessor: (_name, value) => decodeXmlText(value),
  });
  return (body) => {
    if (/<!DOCTYPE/i.test(body)) throw new Error('DOCTYPE');
    if (XMLValidator.validate(body) !== true) throw new Error('not well-formed');
    return parser.parse(body) as unknown;
  };
}

function microsPerParse(parse: (body: string) => unknown, body: string): number {
  for (let i = 0; i < 2000; i++) parse(body);
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) parse(body);
  return Number(process.hrtime.bigint() - start) / 1000 / N;
}

for (const { name, paths } of bodies) {
  const body = readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), 'utf8');
  const before = microsPerParse(fastXmlParser(paths), body);
  const after = microsPerParse(createXmlParser(paths), body);
  const ratio = (before / after).toFixed(1);
  console.log(`${name} (${body.length} chars): fast-xml-parser ${before.toFixed(1)} µs, createXmlParser ${after.toFixed(1)} µs (${ratio}×)`);
}
