// The client checks names with the library's one rule (domain/name-validation.ts): a bad name
// is a caller mistake, thrown synchronously as a TypeError carrying the stable code.
export { assertName } from '../../domain/name-validation';
