/**
 * A copy of `s` that does not keep the string it was sliced from alive. V8 represents a long
 * slice as a view into its parent, so a few ids and a docstring kept per file would otherwise
 * keep every file's whole text in memory.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
