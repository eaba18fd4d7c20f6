import { parseSqlalchemyUrl, redactUrl } from '../core/config/sqlalchemyUrl';
import type { ResolvedDatabase } from '../db/resolve';

/**
 * Whether a run may use the database we resolved. Alembic connects to whatever env.py gives
 * it, and we can only steer that through `DATABASE_URL`; a URL from our settings, a .env or the
 * process environment therefore reaches Alembic only when env.py visibly reads DATABASE_URL,
 * or when it is the very URL of the config. Anything else would show one database's state and
 * migrate another.
 */

export interface PermissionEnvironment {
  /** The config's sqlalchemy.url (placeholder excluded). */
  sqlalchemyUrl?: string;
  envPy: { file: string; exists: boolean; readsDatabaseUrl: boolean; environmentVariables?: string[] };
}

export type RunPermission =
  | { allowed: true }
  | {
      allowed: false;
      /** Why, in a few sentences, for a message with an "Open env.py" action. */
      reason: string;
      /** The file to offer to open. */
      openFile: string;
    };

const SOURCE_WORDS: Record<ResolvedDatabase['source'], string> = {
  named: 'the alembicPilot.databases setting',
  'process-env': 'DATABASE_URL in the environment',
  dotenv: 'DATABASE_URL in .env',
  config: 'sqlalchemy.url in the config',
  'command-line': 'the command line',
};

export function runPermission(env: PermissionEnvironment, database: ResolvedDatabase): RunPermission {
  if (database.source === 'config') return { allowed: true };
  if (env.envPy.readsDatabaseUrl) return { allowed: true };
  if (env.sqlalchemyUrl !== undefined && sameUrl(env.sqlalchemyUrl, database.url)) return { allowed: true };
  const from = database.name !== undefined ? `${SOURCE_WORDS[database.source]} (${database.name})` : SOURCE_WORDS[database.source];
  const what = env.envPy.exists ? `${env.envPy.file} does not read DATABASE_URL (through os.environ or os.getenv)` : `${env.envPy.file} does not exist`;
  const other = (env.envPy.environmentVariables ?? []).filter((v) => v !== 'DATABASE_URL');
  const hint = other.length > 0 ? ` It reads ${other.join(', ')} instead.` : '';
  const instead = env.sqlalchemyUrl !== undefined ? `the database of sqlalchemy.url (${redactUrl(env.sqlalchemyUrl)})` : 'whatever database env.py picks';
  return {
    allowed: false,
    reason:
      `Alembic Pilot will not run Alembic against ${database.display} from ${from}: ${what}, so Alembic would migrate ${instead} instead.${hint} ` +
      `Make env.py read it, e.g. url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url"), or configure the same URL in both places.`,
    openFile: env.envPy.file,
  };
}

/** Two URLs name the same database when they parse to the same parts; otherwise compare the text. */
function sameUrl(a: string, b: string): boolean {
  try {
    return JSON.stringify(parseSqlalchemyUrl(a)) === JSON.stringify(parseSqlalchemyUrl(b));
  } catch {
    return a.trim() === b.trim();
  }
}
