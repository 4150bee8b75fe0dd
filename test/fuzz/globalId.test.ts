import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../src/errors.ts';
import {
  formatGlobalId,
  parseGlobalId,
  PATTERNS,
  type JobKey,
  type PatternName,
} from '../../src/model/globalId.ts';
import { JOB_PROVIDERS } from '../../src/model/job.ts';
import { validPart } from './support.ts';

/** A value every check of one argument pattern accepts (regions: real regions the provider serves). */
const part = validPart;

const validKey: fc.Arbitrary<JobKey> = fc.oneof(
  fc.record({
    provider: fc.constant('AWS_PANORAMA' as const),
    region: part('awsRegion'),
    jobId: part('panoramaJobId'),
  }),
  fc.record({
    provider: fc.constant('AWS_OMICS' as const),
    region: part('awsRegion'),
    referenceStoreId: part('omicsId'),
    id: part('omicsId'),
  }),
  fc.record({
    provider: fc.constant('TENCENT_COS_BATCH' as const),
    region: part('cosRegion'),
    uin: part('cosUin'),
    jobId: part('cosJobId'),
  }),
  fc.record({
    provider: fc.constant('AWS_IMPORT_EXPORT' as const),
    jobId: part('importExportJobId'),
  }),
  fc.record({
    provider: fc.constant('AWS_CODEPIPELINE' as const),
    region: part('awsRegion'),
    jobId: part('codePipelineJobId'),
  }),
);

const PREFIXES = ['panorama', 'omics', 'cos', 'importexport', 'codepipeline'];
const prefix = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PREFIXES) },
  fc.constantFrom(
    '',
    'PANORAMA',
    'Cos',
    'panorama ',
    ' omics',
    'cos\u0000',
    'importexport\n',
    'codepipeline\u200b',
    '__proto__',
    'constructor',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
/**
 * A huge run of one or two characters (65 to 300 000 UTF-16 units): longer than any message may
 * echo. Without `…`, which messages append to a cut excerpt.
 */
const huge = fc
  .tuple(
    fc.integer({ min: 65, max: 300_000 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }).filter((c) => !c.includes('…')),
  )
  .map(([n, c]) => c.repeat(Math.ceil(n / c.length)));
const anyPart = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(...(Object.keys(PATTERNS) as PatternName[]).map(part)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'us-east-1',
      'ap-guangzhou',
      '100000000001',
      '11111111-2222-4333-8444-555555555555',
      'ABCDE',
      '１２３４５６７８９０',
      'us-east-1\n',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: huge },
);
/** Colon-separated IDs: right and wrong prefixes, part counts 0-6, valid, empty, unicode and huge parts. */
const colonId = fc
  .tuple(prefix, fc.array(anyPart, { maxLength: 6 }))
  .map(([p, parts]) => [p, ...parts].join(':'));

/** A valid ID with one edit: a character inserted, deleted or replaced, or a colon added or removed. */
const nearValidId = fc
  .tuple(
    validKey.map(formatGlobalId),
    fc.nat(),
    fc.constantFrom('insert', 'delete', 'replace', 'colon', 'uncolon'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
  )
  .map(([id, at, edit, s]) => {
    const i = at % (id.length + 1);
    switch (edit) {
      case 'insert':
        return id.slice(0, i) + s + id.slice(i);
      case 'delete':
        return id.slice(0, i) + id.slice(i + 1);
      case 'replace':
        return id.slice(0, i) + s + id.slice(i + s.length);
      case 'colon':
        return `${id.slice(0, i)}:${id.slice(i)}`;
      case 'uncolon':
        return id.replace(':', '');
    }
  });

const anyId = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  colonId,
  nearValidId,
);

/** The longest run of the input any message may quote. */
const MAX_ECHO = 64;

/** True when some window of MAX_ECHO + 1 characters of `message` is a piece of `input`. */
function echoesTooMuch(message: string, input: string): boolean {
  if (input.length <= MAX_ECHO) return false;
  for (let i = 0; i + MAX_ECHO + 1 <= message.length; i++)
    if (input.includes(message.slice(i, i + MAX_ECHO + 1))) return true;
  return false;
}

/** parseGlobalId must return a key or throw BadUserInputError; nothing else. */
function parseOrBadInput(value: string, argument: string): JobKey | BadUserInputError {
  try {
    return parseGlobalId(value, argument);
  } catch (err) {
    if (err instanceof BadUserInputError) return err;
    throw err;
  }
}

describe('Global IDs under fuzzing', () => {
  it('round-trip every valid key of every provider exactly', () => {
    fc.assert(
      fc.property(validKey, (key) => {
        const id = formatGlobalId(key);
        expect(parseGlobalId(id)).toEqual(key);
        expect(formatGlobalId(parseGlobalId(id))).toBe(id);
      }),
      { seed: 0x51d_0001, numRuns: 1000 },
    );
  });

  it('answers any string with a key or BAD_USER_INPUT, and a key only for a canonical ID', () => {
    fc.assert(
      fc.property(anyId, fc.constantFrom('id', 'ids[0]', 'ids[99]'), (value, argument) => {
        const out = parseOrBadInput(value, argument);
        if (out instanceof BadUserInputError) {
          expect(out.code).toBe('BAD_USER_INPUT');
          // `argument` names the GraphQL argument, refined to the part at fault: `id (region)`.
          expect(Object.keys(out.extensions).sort()).toEqual(['argument', 'code']);
          expect(out.extensions.code).toBe('BAD_USER_INPUT');
          expect(String(out.extensions.argument).startsWith(argument)).toBe(true);
          expect(out.message.startsWith(`Argument "${argument}`)).toBe(true);
        } else {
          expect(JOB_PROVIDERS).toContain(out.provider);
          // An accepted ID is exactly the one formatGlobalId writes for its key: IDs are stable.
          expect(formatGlobalId(out)).toBe(value);
        }
      }),
      { seed: 0x51d_0002, numRuns: 3000 },
    );
  });

  it('never echoes more than 64 characters of the input in an error message', () => {
    const longId = fc.oneof(
      huge,
      fc
        .tuple(
          fc.constantFrom(...PREFIXES),
          fc.array(fc.oneof(anyPart, huge), { minLength: 1, maxLength: 4 }),
        )
        .map(([p, parts]) => [p, ...parts].join(':')),
      fc.tuple(fc.constantFrom(...PREFIXES), huge).map(([p, h]) => `${p}${h}`),
    );
    fc.assert(
      fc.property(longId, (value) => {
        const out = parseOrBadInput(value, 'id');
        if (!(out instanceof BadUserInputError)) return;
        // Fixed text (argument, forms) plus at most one quoted 64-character excerpt.
        expect(out.message.length).toBeLessThan(600);
        expect(echoesTooMuch(out.message, value)).toBe(false);
      }),
      { seed: 0x51d_0003, numRuns: 150 },
    );
  });

  it('rejects an ID one edit away from a valid one unless the edit made another valid ID', () => {
    fc.assert(
      fc.property(nearValidId, (value) => {
        const out = parseOrBadInput(value, 'id');
        if (!(out instanceof BadUserInputError)) expect(formatGlobalId(out)).toBe(value);
      }),
      { seed: 0x51d_0004, numRuns: 1000 },
    );
  });
});
