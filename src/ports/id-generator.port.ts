/** Produces client ids (UUID v4 by default, or the user's `generateClientId`). */
export interface IdGenerator {
  next(): string;
}

export const IdGenerator = Symbol.for('stelar.IdGenerator');
