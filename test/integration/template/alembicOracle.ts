import path from 'node:path';
import { inject } from 'vitest';
import { runChecked } from '../../helpers/run';
import type { PyDateTime } from '../../../server/src/core/template/pyValue';

/**
 * Asks real Mako and Alembic 1.20 (test/fixtures/template/oracle.py, run by the harness venv)
 * for the answers the TypeScript port must reproduce. Requests are batched, since starting
 * Python and importing Alembic costs more than all the answers together.
 */

export type OracleAnswer<T = string> = { ok: T } | { error: string };

const ORACLE = path.resolve(__dirname, '../../fixtures/template/oracle.py');

export async function askAlembic<T = string>(requests: readonly unknown[]): Promise<OracleAnswer<T>[]> {
  const python = inject('alembicPython');
  const result = await runChecked(python, [ORACLE], { input: JSON.stringify(requests), timeoutMs: 120_000 });
  return JSON.parse(result.stdout) as OracleAnswer<T>[];
}

/** The oracle's spelling of a datetime. */
export function oracleDate(d: PyDateTime): Record<string, number | null> {
  return { year: d.year, month: d.month, day: d.day, hour: d.hour, minute: d.minute, second: d.second, microsecond: d.microsecond, utc_offset_minutes: d.utcOffsetMinutes ?? null };
}

/** The folder of Alembic's bundled templates in the harness venv. */
export async function bundledTemplatesDir(): Promise<string> {
  const python = inject('alembicPython');
  const result = await runChecked(python, ['-c', 'import alembic, os; print(os.path.join(os.path.dirname(alembic.__file__), "templates"))']);
  return result.stdout.trim();
}

export const BUNDLED_TEMPLATES = ['generic', 'async', 'multidb', 'pyproject', 'pyproject_async'] as const;
