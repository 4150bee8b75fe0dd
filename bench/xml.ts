/**
 * Micro-benchmark of the XML parse step, run by hand: `node --import tsx bench/xml.ts [N]`.
 * Parses the largest COS Batch and Import/Export fixture bodies N times (default 20000), one
 * process, warmed up, and prints CPU (process.cpuUsage) and wall time per parse for:
 * - production: createXmlParser from src/datasources/shared/xml.ts, as the parse steps use it
 *   (DOCTYPE check, fast-xml-parser's validator, then its parser as configured there);
 * - its parser alone: the same configuration without the DOCTYPE check and the validator;
 * - fast-xml-parser's default: `new XMLParser().parse(body)`, no option and no validator (it
 *   types values, trims text, keeps namespace prefixes and builds a path string per value).
 */
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { COSBATCH_ARRAY_PATHS } from '../src/datasources/cosbatch/parse.ts';
import { IMPORTEXPORT_ARRAY_PATHS } from '../src/datasources/importexport/parse.ts';
import { createXmlParser, xmlParserOptions } from '../src/datasources/shared/xml.ts';

const N = Number(process.argv[2] ?? 20_000);
const bodies = [
  { name: 'cosbatch/success-full.xml', paths: COSBATCH_ARRAY_PATHS },
  { name: 'importexport/success-full.xml', paths: IMPORTEXPORT_ARRAY_PATHS },
];

function perParse(parse: (body: string) => unknown, body: string): { cpu: number; wall: number } {
  for (let i = 0; i < 2000; i++) parse(body);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) parse(body);
  const wall = Number(process.hrtime.bigint() - start) / 1000 / N;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / N, wall };
}

const format = ({ cpu, wall }: { cpu: number; wall: number }) =>
  `${cpu.toFixed(1)} µs CPU (${wall.toFixed(1)} µs wall)`;

for (const { name, paths } of bodies) {
  const body = readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), 'utf8');
  const production = perParse(createXmlParser(paths), body);
  const configured = new XMLParser(xmlParserOptions(paths));
  const parserAlone = perParse((b) => configured.parse(b) as unknown, body);
  const fxpDefault = new XMLParser();
  const defaults = perParse((b) => fxpDefault.parse(b) as unknown, body);
  console.log(`${name} (${body.length} chars)`);
  console.log(`  production (DOCTYPE check + validator + parser): ${format(production)}`);
  console.log(`  its parser alone:                               ${format(parserAlone)}`);
  console.log(`  fast-xml-parser default, no validator:          ${format(defaults)}`);
}
