/**
 * A lookup table for names that come from the user's files (op call names, config values).
 * It has no prototype, so `constructor`, `toString` or `__proto__` are unknown names like any
 * other, instead of finding Object's own members.
 */
export function nameTable<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
