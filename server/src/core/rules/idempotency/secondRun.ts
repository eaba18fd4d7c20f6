import type { Position } from '../../types';

/**
 * Whether running a migration function a second time succeeds, judged for the function as a
 * whole rather than statement by statement: `DROP CONSTRAINT x; ADD CONSTRAINT x` re-runs
 * fine, and so does a table created and dropped in the same function.
 *
 * The simulation runs the function twice over the objects the function itself creates and
 * drops, in source order. The first run leaves each object it touched existing or not; the
 * second starts from there, and an unguarded create of an object that exists, or an unguarded
 * drop of one that does not, fails. Objects the function never names are never assumed
 * either way. Control flow is not followed: every step counts, in the order it is written.
 */

/** One object a step creates or drops. */
export interface Effect {
  action: 'create' | 'drop';
  /**
   * `table:users`, `index:ix_users_email`, `column:users.email`, `constraint:users.uq_email`,
   * `sequence:s`, ... (names lower-cased, `public.` dropped); undefined when the name is not
   * literal, in which case the effect is judged alone: a create fails after its own first run.
   */
  key: string | undefined;
  /** For a table: dropping it drops its columns, constraints, indexes and triggers too. */
  table?: string;
  /** IF [NOT] EXISTS, OR REPLACE, a DO block that catches the error: it never fails. */
  guarded: boolean;
  /** A TEMPORARY object: gone when the run's session ends, so it never outlives a run. */
  temporary?: boolean;
  /** Changes the state but is never reported (a rename's old name, a constraint op). */
  silent?: boolean;
}

/** One statement or op call, with its effects in the order they happen. */
export interface Step {
  at: Position;
  effects: readonly Effect[];
}

type State = 'exists' | 'absent';

/** The effects that fail when the function runs a second time. */
export function secondRunFailures(steps: readonly Step[]): Set<Effect> {
  const state = new Map<string, State>();
  const tables = new Map<string, string>();
  const temporary = new Set<string>();
  const failures = new Set<Effect>();
  for (const run of [1, 2]) {
    for (const step of steps) {
      for (const e of step.effects) {
        if (run === 2 && !e.guarded && !e.silent && fails(e, state)) failures.add(e);
        apply(e, state, tables, temporary);
      }
    }
    // The session of the first run ends: its temporary objects go with it.
    for (const key of temporary) state.set(key, 'absent');
  }
  return failures;
}

function fails(e: Effect, state: ReadonlyMap<string, State>): boolean {
  if (e.temporary) return false;
  // An object whose name is not known exists after its own first create and is gone after
  // its own first drop; nothing else can be matched with it.
  if (e.key === undefined) return true;
  const s = state.get(e.key);
  return e.action === 'create' ? s === 'exists' : s === 'absent';
}

function apply(e: Effect, state: Map<string, State>, tables: Map<string, string>, temporary: Set<string>): void {
  if (e.key === undefined) return;
  if (e.action === 'create') {
    state.set(e.key, 'exists');
    if (e.table !== undefined) tables.set(e.key, e.table);
    if (e.temporary) temporary.add(e.key);
    return;
  }
  state.set(e.key, 'absent');
  if (!e.key.startsWith('table:')) return;
  // Dropping a table drops everything on it.
  const table = e.key.slice('table:'.length);
  for (const key of state.keys()) {
    const dot = key.indexOf('.');
    const on = dot > 0 && /^(column|constraint|trigger):/.test(key) ? key.slice(key.indexOf(':') + 1, dot) : tables.get(key);
    if (on === table) state.set(key, 'absent');
  }
}

/** The key of an object: kind and lower-cased name, PostgreSQL's default schema dropped. */
export function objectKey(kind: string, name: string | undefined, table?: string): string | undefined {
  if (name === undefined) return undefined;
  const n = unqualified(name);
  return table === undefined ? `${kind}:${n}` : `${kind}:${unqualified(table)}.${n}`;
}

function unqualified(name: string): string {
  const lower = name.toLowerCase();
  return lower.startsWith('public.') ? lower.slice('public.'.length) : lower;
}
