import { describe, expect, it } from 'vitest';
import { MalformedBodyError } from '../../../src/errors.ts';
import { bool, capitalised, int, members, str } from '../../../src/datasources/shared/json.ts';

describe('members, the declarative reader of a shape whose record names are the wire names', () => {
  it("reads each named member by its reader, in the readers' order, and nothing else", () => {
    const wire = { exitCode: 3, reason: 'OOM', privileged: false, extra: 'ignored' };
    const read = members(wire, 'jobs[0].container', { reason: str, exitCode: int, user: str });
    expect(read).toEqual({ reason: 'OOM', exitCode: 3, user: null });
    expect(Object.keys(read)).toEqual(['reason', 'exitCode', 'user']);
  });

  it('names the wire path of a member of the wrong type, and reads in order', () => {
    const wire = { exitCode: 'three', privileged: 'yes' };
    const read = () => members(wire, 'jobs[0].container', { exitCode: int, privileged: bool });
    expect(read).toThrow(MalformedBodyError);
    expect(read).toThrow('jobs[0].container.exitCode is not an integer');
  });

  it('hands each reader its value and its path', () => {
    const seen: [unknown, string][] = [];
    const spy = (value: unknown, field: string) => {
      seen.push([value, field]);
      return value;
    };
    members({ a: 1, b: null }, 'x[2]', { a: spy, b: spy, c: spy });
    expect(seen).toEqual([
      [1, 'x[2].a'],
      [null, 'x[2].b'],
      [undefined, 'x[2].c'],
    ]);
  });

  it('reads capitalised wire members into the record names, naming the wire path', () => {
    const wire = { BucketName: 'b', ObjectKey: 7 };
    expect(members({ BucketName: 'b' }, 'S3Location', { bucketName: str }, capitalised)).toEqual({
      bucketName: 'b',
    });
    expect(() =>
      members(wire, 'S3Location', { bucketName: str, objectKey: str }, capitalised),
    ).toThrow('S3Location.ObjectKey is not a string');
  });
});
