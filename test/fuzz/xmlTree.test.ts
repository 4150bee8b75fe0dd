import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { createXmlParser, XML_READING } from '../../src/datasources/shared/xml.ts';
import { fixtureNames, loadFixture } from '../support/fixtures.ts';

/**
 * The gateway builds its XML tree from fast-xml-parser's ordered output (TreeBuilder in
 * src/datasources/shared/xml.ts). The oracle is fast-xml-parser's own object output of the same
 * reading (XML_READING: values as strings, untrimmed, prefixes removed, blank text beside child
 * elements dropped, the same entity decoding), attributes ignored, `isArray` on the same paths.
 * Every body the gateway accepts must give the oracle's tree exactly.
 */
function oracle(arrayPaths: readonly string[]): (body: string) => unknown {
  const arrays = new Set(arrayPaths);
  const parser = new XMLParser({
    ...XML_READING,
    ignoreAttributes: true,
    isArray: (_name, jpath) => arrays.has(String(jpath)),
  });
  return (body) => parser.parse(body) as unknown;
}

/** Both readings of `body`; the gateway's must accept it. */
function bothTrees(arrayPaths: readonly string[], body: string) {
  return { gateway: createXmlParser(arrayPaths)(body), oracle: oracle(arrayPaths)(body) };
}

/** Every XML provider's golden fixtures (answers, errors, list pages), by folder and name. */
const XML_FIXTURES = (['cosbatch', 'importexport'] as const).flatMap((provider) =>
  [undefined, 'list'].flatMap((sub) =>
    fixtureNames(provider, sub).map((name) => ({
      where: `${provider}/${sub ? `${sub}/` : ''}${name}`,
      body: loadFixture(provider, sub ? `${sub}/${name}` : name).body,
    })),
  ),
);

/** The providers' array paths (answers, list pages, error envelopes) and some that name nothing. */
const FIXTURE_ARRAY_PATHS = [
  'DescribeJobResult.Job.FailureReasons.JobFailure',
  'DescribeJobResult.Job.Manifest.Spec.Fields.member',
  'DescribeJobResult.Job.Operation.COSPutObjectTagging.TagSet.COSTag',
  'GetStatusResponse.GetStatusResult.ArtifactList.member',
  'ListJobsResult.Jobs.member',
  'ListJobsResponse.ListJobsResult.Jobs.member',
  'Response.Errors.Error',
  'ErrorResponse.Error.Message',
];

/**
 * XML elements named from `names`, each holding up to `maxLength` items: one of `leaves` (text,
 * empty elements and the like) or an element again, shrinking towards few and shallow.
 */
function elements(
  names: fc.Arbitrary<string>,
  maxLength: number,
  leaves: fc.Arbitrary<string>[],
): fc.Arbitrary<string> {
  return fc.letrec<{ element: string; item: string }>((tie) => ({
    element: fc
      .tuple(names, fc.array(tie('item'), { maxLength }))
      .map(([name, items]) => `<${name}>${items.join('')}</${name}>`),
    item: fc.oneof({ depthSize: 'small', withCrossShrink: true }, ...leaves, tie('element')),
  })).element;
}

describe('The XML tree, held to fast-xml-parser’s object output', () => {
  it('is the oracle’s tree for every fixture the gateway accepts', () => {
    let compared = 0;
    for (const { where, body } of XML_FIXTURES) {
      let trees: ReturnType<typeof bothTrees>;
      try {
        trees = bothTrees(FIXTURE_ARRAY_PATHS, body);
      } catch {
        continue; // a refused body (malformed.xml, a proxy's HTML page): refusals are tested in xml.test.ts
      }
      expect(trees.gateway, where).toStrictEqual(trees.oracle);
      compared += 1;
    }
    expect(compared).toBeGreaterThan(35);
  });

  it('is the oracle’s tree for generated bodies: repeated names, array paths, mixed text, CDATA, comments, prefixes', () => {
    // No Object.prototype names: fast-xml-parser renames them (`__toString`); no provider sends one.
    const names = fc.constantFrom('a', 'b', 'm', 'member', 'p:b', 'q:m', 'Job');
    const escape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
    const text = fc
      .string({
        unit: fc.constantFrom(' ', '\t', '\n', '\r\n', 'x', 'Y', '1', '&', '<', '>', '\u00a0'),
      })
      .map(escape);
    const reference = fc.constantFrom('&amp;', '&#32;', '&#x41;', '&quot;', '&apos;', '&gt;');
    const element = elements(names, 5, [
      text,
      reference,
      names.map((name) => `<${name}/>`),
      fc.string({ unit: fc.constantFrom('x', '<', '&', ']', ' ') }).map((s) => `<![CDATA[${s}]]>`),
      fc.constant('<!-- a comment -->'),
    ]);
    const arrayPaths = fc.subarray([
      'r.m',
      'r.a.m',
      'r.member',
      'r.b.member',
      'r.a.b.m',
      'r.Job.m',
    ]);
    fc.assert(
      fc.property(fc.array(element, { maxLength: 6 }), arrayPaths, (children, paths) => {
        const body = `<?xml version="1.0"?>\n<r xmlns:p="urn:p">${children.join('')}</r>\n`;
        const trees = bothTrees(paths, body);
        expect(trees.gateway).toStrictEqual(trees.oracle);
      }),
      { seed: 0x4a11_7001, numRuns: 1500 },
    );
  });

  it('reads prototype names (`__proto__`, `constructor`, `toString`, …) as any other name: the oracle’s tree of the body with them renamed, renamed back', () => {
    const PROTOTYPE = [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'prototype',
      'valueOf',
    ];
    const alias = (name: string) => `Z${name}`;
    const names = fc.constantFrom('a', 'm', 'p:b', ...PROTOTYPE, ...PROTOTYPE.map((n) => `p:${n}`));
    const element = elements(names, 4, [
      fc.constantFrom('x', ' ', '1'),
      names.map((name) => `<${name}/>`),
    ]);
    /**
     * A tree as nested [name, value] pairs of own properties, each object's prototype checked:
     * an own `constructor` defeats toStrictEqual's type check, so the trees are compared so.
     */
    const ownTree = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(ownTree);
      if (node === null || typeof node !== 'object') return node;
      expect(Object.getPrototypeOf(node)).toBe(Object.prototype);
      return Object.keys(node).map((key) => [key, ownTree((node as Record<string, unknown>)[key])]);
    };
    /** The oracle's tree with the aliases' keys given their names back, each an own property. */
    const renamedBack = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(renamedBack);
      if (node === null || typeof node !== 'object') return node;
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        const name = PROTOTYPE.find((n) => alias(n) === key) ?? key;
        Object.defineProperty(out, name, {
          value: renamedBack(value),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
      return out;
    };
    const aliasPaths = (paths: string[]) =>
      paths.map((path) =>
        path
          .split('.')
          .map((n) => (PROTOTYPE.includes(n) ? alias(n) : n))
          .join('.'),
      );
    fc.assert(
      fc.property(
        fc.array(element, { maxLength: 5 }),
        fc.subarray(['r.toString', 'r.__proto__', 'r.a.constructor', 'r.m']),
        (children, paths) => {
          const body = `<r xmlns:p="urn:p">${children.join('')}</r>`;
          const aliased = body.replace(
            new RegExp(`(</?(?:p:)?)(${PROTOTYPE.join('|')})(?=[/>])`, 'g'),
            (_all, open: string, name: string) => open + alias(name),
          );
          const gateway = createXmlParser(paths)(body);
          expect(ownTree(gateway)).toEqual(
            ownTree(renamedBack(oracle(aliasPaths(paths))(aliased))),
          );
          expect(({} as Record<string, unknown>)['x']).toBeUndefined();
        },
      ),
      { seed: 0x4a11_7002, numRuns: 500 },
    );
  });
});
