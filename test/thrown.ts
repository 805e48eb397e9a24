import { expect } from 'vitest';

/** The error `fn` throws, asserted to be an instance of `kind`; fails when `fn` returns. */
export function thrown<E extends Error>(fn: () => unknown, kind: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(kind);
    return e as E;
  }
  throw new Error(`expected a ${kind.name}, but nothing was thrown`);
}
