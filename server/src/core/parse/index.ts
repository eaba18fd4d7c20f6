/**
 * The full revision-file parser: everything the language server and the linter read from a
 * migration file, built on @lezer/python.
 */
export { lineIndexOf, parseRevisionFile, parseRevisionFileIncremental } from './revisionFile';
export type { IncrementalParse, ParseState } from './revisionFile';
export type { CallArg, DialectGuard, ExistenceGuard, MigrationFunction, OpCall, PyCall, PyLiteralValue, RevisionFile, SqlString } from './types';
export {
  DYNAMIC_PLACEHOLDER,
  evaluateConcatenation,
  evaluateStringLiteral,
  evaluateStringLiteralAt,
  findStringLiteralEnd,
} from './literals';
export type { MappedLiteral, StringLiteralValue } from './literals';
export { MappedString, MappedStringBuilder } from './mappedString';
export { extractDocstringHeaders } from './docstringHeaders';
export { literalName } from './pyValues';
export { originOf } from './opCalls';
export { LineIndex } from './positions';
export { inferChanges } from './syntax';
