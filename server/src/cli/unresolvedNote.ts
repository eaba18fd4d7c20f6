/**
 * The one note `graph` and `lint` print on stderr about revision-file values that are not
 * literals (`branch_labels = migration.EXPAND_BRANCH`): Alembic Pilot never guesses them, so the
 * reader should know which ones it read as unknown. It is one line, so that the
 * `file:line:col` lines on stdout stay the only thing a tool has to parse.
 */

/** A value that is not a literal, and the file it is in (as shown to the user). */
export interface UnresolvedValue {
  file: string;
  value: string;
}

const SHOWN = 8;

export function unresolvedNote(values: readonly UnresolvedValue[]): string | undefined {
  if (values.length === 0) return undefined;
  const listed = values.slice(0, SHOWN).map((v) => `${v.file}: ${v.value}`);
  const more = values.length > SHOWN ? `; and ${values.length - SHOWN} more` : '';
  const what = values.length === 1 ? 'value is not a literal' : `${values.length} values are not literals`;
  return `note: ${what}, so Alembic Pilot reads ${values.length === 1 ? 'it' : 'them'} as unknown (an unknown branch label matches no other): ${listed.join('; ')}${more}`;
}
