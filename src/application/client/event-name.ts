import { nameViolation } from '../../domain/name-validation';

// The client checks names with the library's one rule (domain/name-validation.ts): a bad name
// is a caller mistake, thrown synchronously as a TypeError carrying the stable code.
export { assertName } from '../../domain/name-validation';

/**
 * The TypeError (code STELAR_ERR_INVALID_EVENT_NAME) an invalid room name gets, or null when it
 * is valid. Room methods report it and resolve `false` instead of throwing (docs/API.md, "Rooms").
 */
export function roomNameError(room: unknown): (TypeError & { code: string }) | null {
  const violation = nameViolation(room, 'room');
  if (violation === null) return null;
  const err = new TypeError(violation.message) as TypeError & { code: string };
  err.code = violation.code;
  return err;
}
