import { expect } from 'vitest';

/** The error `run` throws, which must be a `type`: a run that throws nothing fails the test. */
export function thrownBy<E extends Error>(
  type: abstract new (...args: never[]) => E,
  run: () => unknown,
): E {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as E;
  }
  throw new Error(`no ${type.name} was thrown`);
}
