import { parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema, loadTypeDefs } from '../src/schema.ts';

const sdl = print(loadTypeDefs());

describe('buildSchema', () => {
  it('builds from the SDL in schema/', () => {
    expect(buildSchema().schema.getType('CosBatchJob')).toBeDefined();
  });

  it('fails at start when a resolver names a type the SDL lacks', () => {
    const withoutType = sdl.replace(/\bCodePipelineJob\b/g, 'RenamedJob');
    expect(() => buildSchema(parse(withoutType))).toThrow(
      '"CodePipelineJob" defined in resolvers, but not in schema',
    );
  });

  it('fails at start when a resolver names a field the SDL lacks', () => {
    const withoutField = sdl.replace(/type Query \{[^}]*}/, 'type Query {\n  unrelated: Int\n}');
    expect(() => buildSchema(parse(withoutField))).toThrow(
      /^Query\.\w+ defined in resolvers, but not in schema$/,
    );
  });

  it('fails at start when an interface or union has no __resolveType', () => {
    const withUnion = `${sdl}\nunion Unresolved = CosBatchJob | CodePipelineJob\n`;
    expect(() => buildSchema(parse(withUnion))).toThrow(
      'Type "Unresolved" is missing a "__resolveType" resolver',
    );
  });
});
