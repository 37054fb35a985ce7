import { ProtocolError, StelarError } from '../../../src/domain/errors';

/** Runs `fn`, asserting it throws a StelarError with `code` and `closeCode`; returns it. */
export function expectProtocolError(fn: () => unknown, code: string, closeCode: number): StelarError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ProtocolError);
  const err = caught as StelarError;
  expect({ code: err.code, closeCode: err.closeCode }).toEqual({ code, closeCode });
  expect(err.message).toMatch(/^Invalid /);
  return err;
}
