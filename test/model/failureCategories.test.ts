import { describe, expect, it } from 'vitest';
import { Kind } from 'graphql';
import { FAILURE_CATEGORIES } from '../../src/model/failure.ts';
import { loadTypeDefs } from '../../src/sdl.ts';

describe('failure categories', () => {
  it("are the schema's FailureCategory enum, value for value and in its order", () => {
    const values = loadTypeDefs().definitions.flatMap((d) =>
      d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'FailureCategory'
        ? (d.values ?? []).map((v) => v.name.value)
        : [],
    );
    expect(values).toEqual([...FAILURE_CATEGORIES]);
  });
});
