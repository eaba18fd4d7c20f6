import { findStringLiteralEnd } from './literals';

/**
 * Python's tokenizer refuses brackets nested more than 200 deep ("too many nested
 * parentheses", MAXLEVEL in CPython's tokenizer), so such a file never loads in Alembic. The
 * parsers here are recursive in places (lezer's tree building, literal values, our walks over
 * expressions), and a few thousand nested brackets would overflow the stack. So nesting past
 * Python's limit is found first, reported as Python reports it, and kept from the parsers.
 */

/** `MAXLEVEL` of CPython's tokenizer. */
export const PYTHON_MAX_BRACKET_DEPTH = 200;

// Characters that change the state of the scan; everything else is skipped by the regex engine.
const SPECIAL = /["'#\\()[\]{}]/g;

/** A bracket opened past Python's limit, and where its contents end (its match, or the end). */
export interface DeepRegion {
  from: number;
  to: number;
}

/**
 * The regions of `text` inside brackets nested deeper than Python allows, in text order; the
 * first starts at the bracket Python reports. Strings and comments are skipped as the header
 * scanner skips them.
 */
export function deepBracketRegions(text: string): DeepRegion[] {
  const regions: DeepRegion[] = [];
  let depth = 0;
  let openedAt = -1;
  SPECIAL.lastIndex = 0;
  for (let m = SPECIAL.exec(text); m; m = SPECIAL.exec(text)) {
    const i = m.index;
    switch (text.charCodeAt(i)) {
      case 35:
        // A comment runs to the end of the line.
        SPECIAL.lastIndex = lineEnd(text, i);
        break;
      case 92:
        SPECIAL.lastIndex = i + 2;
        break;
      case 40:
      case 91:
      case 123:
        depth++;
        if (depth === PYTHON_MAX_BRACKET_DEPTH + 1) openedAt = i;
        break;
      case 41:
      case 93:
      case 125:
        if (depth === PYTHON_MAX_BRACKET_DEPTH + 1) regions.push({ from: openedAt, to: i + 1 });
        if (depth > 0) depth--;
        break;
      default: {
        const end = findStringLiteralEnd(text, i);
        if (end >= 0) SPECIAL.lastIndex = end;
        else {
          // An unclosed string: Python stops there anyway; the scan goes on after its line.
          SPECIAL.lastIndex = lineEnd(text, i);
        }
      }
    }
  }
  if (depth > PYTHON_MAX_BRACKET_DEPTH) regions.push({ from: openedAt, to: text.length });
  return regions;
}

const EOL = /[\r\n]/g;

function lineEnd(text: string, from: number): number {
  EOL.lastIndex = from;
  return EOL.exec(text)?.index ?? text.length;
}

/**
 * `text` with every deep region blanked: each character but line breaks becomes a space, so
 * offsets, lines and columns stay those of `text` while the parser sees no deep nesting.
 */
export function blankRegions(text: string, regions: readonly DeepRegion[]): string {
  if (regions.length === 0) return text;
  let out = '';
  let last = 0;
  for (const r of regions) {
    out += text.slice(last, r.from) + text.slice(r.from, r.to).replace(/[^\r\n]/g, ' ');
    last = r.to;
  }
  return out + text.slice(last);
}

export const TOO_DEEP_MESSAGE = `Python cannot parse this file: too many nested parentheses (Python allows ${PYTHON_MAX_BRACKET_DEPTH} levels of brackets).`;
