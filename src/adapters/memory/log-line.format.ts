import type { LogFields } from '../../ports/logger.port';

/** A field value as it reads in a line: bare when it is a plain token, JSON-quoted otherwise. */
function value(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'string') return /^[\w.:/@-]+$/.test(v) ? v : JSON.stringify(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/**
 * `(fields, message)` → `message key=value key="two words"`, plus the `err` field apart so the
 * caller can hand the Error itself to the console (which prints its stack). Strings pass as is.
 */
export function formatLogCall(fieldsOrMessage: unknown, args: readonly unknown[]): { line: string; rest: unknown[] } {
  if (typeof fieldsOrMessage !== 'object' || fieldsOrMessage === null || fieldsOrMessage instanceof Error) {
    return { line: String(fieldsOrMessage), rest: args as unknown[] };
  }
  const fields = fieldsOrMessage as LogFields;
  const message = typeof args[0] === 'string' ? args[0] : '';
  let line = message;
  let err: unknown;
  for (const key of Object.keys(fields)) {
    const v = fields[key];
    if (key === 'err') {
      err = v;
      line += ` err=${value(v instanceof Error ? v.message : v)}`;
      continue;
    }
    if (v !== undefined) line += ` ${key}=${value(v)}`;
  }
  return { line, rest: err instanceof Error ? [err] : [] };
}
