/**
 * Version requirements, read only as far as the linter needs them: the lowest Alembic version
 * a requirement allows, since advice that depends on the version must hold for every version
 * the project may be installed with.
 */

export type Version = readonly [number, number, number];

/** "1.13", "1.13.2", "1.14.0rc1" (pre-release and local parts are dropped); else undefined. */
export function parseVersion(text: string): Version | undefined {
  const m = /^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.\d+)*(?:[-_.]?(?:a|b|rc|alpha|beta|c|pre|preview|post|dev)\.?\d*)*(?:\+[\w.]+)?\s*$/i.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * The lowest version a specifier allows. `pep508` reads PEP 440 clauses (`>=1.13,<2`,
 * `~=1.13.0`, `==1.13.*`); `poetry` also reads caret, tilde and bare versions and `||`
 * alternatives. Undefined when nothing bounds the version from below. `>1.13` counts as
 * 1.13.1, the next release Alembic would publish.
 */
export function lowestAlembicVersion(spec: string, dialect: 'pep508' | 'poetry'): Version | undefined {
  if (dialect === 'poetry' && spec.includes('||')) {
    let lowest: Version | undefined;
    for (const alt of spec.split('||')) {
      const v = lowestAlembicVersion(alt, 'poetry');
      if (!v) return undefined;
      if (!lowest || compare(v, lowest) < 0) lowest = v;
    }
    return lowest;
  }
  let bound: Version | undefined;
  for (const raw of spec.split(',')) {
    const clause = raw.trim();
    if (clause === '') continue;
    const m = /^(===|==|~=|>=|<=|!=|>|<|\^|~|=)?\s*(.+)$/.exec(clause);
    if (!m) continue;
    const op = m[1] ?? (dialect === 'poetry' ? '==' : '');
    const v = parseVersion(m[2]!.replace(/\.\*$/, ''));
    if (!v) continue;
    let lower: Version | undefined;
    if (op === '>') lower = [v[0], v[1], v[2] + 1];
    else if (['===', '==', '=', '~=', '>=', '^', '~'].includes(op)) lower = v;
    if (lower && (!bound || compare(lower, bound) > 0)) bound = lower;
  }
  return bound;
}
