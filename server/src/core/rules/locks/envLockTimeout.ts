import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AlembicEnvironment } from '../../config';

/**
 * Whether an environment's `env.py` sets `lock_timeout` for every migration: an `execute` of
 * `SET lock_timeout`, `-c lock_timeout=...` in the connection's `options`, or asyncpg's
 * `server_settings={"lock_timeout": ...}`. The text is searched rather than run (nothing
 * executes the user's Python); a timeout of 0 switches the timeout off and does not count.
 */

const cache = new Map<string, { stamp: string; sets: boolean }>();

const SETTING = /lock_timeout['"]?\s*(?:=|:|\s+TO\b)\s*['"]?\s*(\d*)/gi;

export function envSetsLockTimeout(env: AlembicEnvironment): boolean {
  if (!env.scriptLocation) return false;
  const file = path.join(env.scriptLocation, 'env.py');
  let stamp: string;
  try {
    const st = statSync(file);
    stamp = `${st.mtimeMs}:${st.size}`;
  } catch {
    return false;
  }
  const known = cache.get(file);
  if (known && known.stamp === stamp) return known.sets;
  let sets = false;
  try {
    sets = setsLockTimeout(readFileSync(file, 'utf8'));
  } catch {
    // An unreadable env.py sets nothing that we can see.
  }
  cache.set(file, { stamp, sets });
  return sets;
}

/** The search itself, on env.py's text without its comment lines. */
export function setsLockTimeout(text: string): boolean {
  const code = text
    .split(/\r?\n/)
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  for (const m of code.matchAll(SETTING)) {
    if (m[1] === '' || !/^0+$/.test(m[1]!)) return true;
  }
  return false;
}
