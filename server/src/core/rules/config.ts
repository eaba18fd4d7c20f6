import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse, TomlError, type TomlTable, type TomlValue } from 'smol-toml';
import type { AlembicEnvironment } from '../config';
import { canonicalDialect, environmentDialect, KNOWN_DIALECTS } from '../dialect';
import type { ConfigProblem } from '../types';
import { lowestAlembicVersion, parseVersion, type Version } from './versionSpec';
import { isRuleId } from './registry';
import { DOWNGRADE_POLICIES, IDEMPOTENCY_MODES, type DowngradePolicy, type Idempotency, type LintTargets, type LockSettings, type RuleId, type RuleSetting } from './types';

/**
 * The lint configuration of an environment, from three layers, each overriding the one before:
 *
 * 1. defaults: each rule's default severity, PostgreSQL 14, and the Alembic version detected
 *    from the project's dependencies (see versionSpec.ts), or unknown; the dialect of the
 *    environment's URL (see core/dialect), `idempotency = "auto"`, and a downgrade policy
 *    detected from the history;
 * 2. `[tool.alembic-pilot]` of the pyproject.toml beside the environment's config file;
 * 3. explicit overrides: VS Code settings or CLI flags.
 *
 * Bad values never throw: they become problems with the file and line, and are ignored.
 */

export interface LintSettingsInput {
  rules?: Partial<Record<RuleId, RuleSetting>>;
  alembicVersion?: Version;
  postgresVersion?: number;
  /** A dialect name as KNOWN_DIALECTS spells it. */
  dialect?: string;
  idempotency?: Idempotency;
  downgrades?: DowngradePolicy;
  /** The lock rules' settings that this layer sets. */
  locks?: Partial<LockSettings>;
}

export interface LintConfig {
  settings: Partial<Record<RuleId, RuleSetting>>;
  targets: LintTargets;
  problems: ConfigProblem[];
  /** Where the Alembic version came from, for `--help`-style explanations and logs. */
  alembicVersionSource?: string;
}

export const DEFAULT_POSTGRES_VERSION = 14;
const SETTINGS: readonly string[] = ['error', 'warning', 'info', 'hint', 'off'];
const TABLE = 'tool.alembic-pilot';
const PILOT_KEYS: readonly string[] = ['rules', 'alembic-version', 'postgres-version', 'dialect', 'idempotency', 'downgrades', 'check-downgrade', 'lock-rules-start-after', 'lock-timeout'];

/** The merged configuration of one environment. */
export function loadLintConfig(env: AlembicEnvironment, overrides: LintSettingsInput = {}): LintConfig {
  const problems: ConfigProblem[] = [];
  const pyproject = path.join(env.here, 'pyproject.toml');
  const fromFile = readPilotTable(pyproject, problems);
  const detected = fromFile.alembicVersion || overrides.alembicVersion ? undefined : detectAlembicVersion(env.here);
  const merged = mergeLintSettings({ ...(detected ? { alembicVersion: detected.version } : {}) }, fromFile, overrides);
  const dialect = overrides.dialect ?? fromFile.dialect;
  merged.targets.dialect = environmentDialect(env, dialect);
  return {
    ...merged,
    problems,
    ...(overrides.alembicVersion ? { alembicVersionSource: 'settings' } : fromFile.alembicVersion ? { alembicVersionSource: pyproject } : detected ? { alembicVersionSource: detected.source } : {}),
  };
}

/** Merges layers, later ones winning, into the runner's settings and targets. */
export function mergeLintSettings(...layers: LintSettingsInput[]): { settings: Partial<Record<RuleId, RuleSetting>>; targets: LintTargets } {
  const settings: Partial<Record<RuleId, RuleSetting>> = {};
  let alembicVersion: Version | undefined;
  let postgresVersion = DEFAULT_POSTGRES_VERSION;
  let idempotency: Idempotency | undefined;
  let downgrades: DowngradePolicy | undefined;
  let locks: Partial<LockSettings> | undefined;
  for (const layer of layers) {
    Object.assign(settings, layer.rules);
    if (layer.alembicVersion) alembicVersion = layer.alembicVersion;
    if (layer.postgresVersion !== undefined) postgresVersion = layer.postgresVersion;
    if (layer.idempotency !== undefined) idempotency = layer.idempotency;
    if (layer.downgrades !== undefined) downgrades = layer.downgrades;
    if (layer.locks) locks = { ...locks, ...layer.locks };
  }
  const targets: LintTargets = { alembicVersion, postgresVersion };
  if (idempotency !== undefined) targets.idempotency = idempotency;
  if (downgrades !== undefined) targets.downgrades = downgrades;
  if (locks) targets.locks = { checkDowngrade: false, startAfter: [], lockTimeout: 'migration', ...locks };
  return { settings, targets };
}

/**
 * Validates settings that arrive as untyped data (VS Code's `alembicPilot.*`, a parsed TOML
 * table, CLI flags collected into an object). `where` gives each key's location for messages.
 */
export function validateLintSettings(
  raw: {
    rules?: unknown;
    alembicVersion?: unknown;
    postgresVersion?: unknown;
    dialect?: unknown;
    idempotency?: unknown;
    downgrades?: unknown;
    checkDowngrade?: unknown;
    lockRulesStartAfter?: unknown;
    lockTimeout?: unknown;
  },
  where: (key: string, rule?: string) => { file: string; line?: number; name: string },
  problems: ConfigProblem[],
): LintSettingsInput {
  const out: LintSettingsInput = {};
  const problem = (key: string, message: string, rule?: string): void => {
    const at = where(key, rule);
    problems.push({ file: at.file, ...(at.line !== undefined ? { line: at.line } : {}), message: `${at.name}: ${message}` });
  };
  if (raw.rules !== undefined) {
    if (!isPlainObject(raw.rules)) problem('rules', 'must be a table of rule ids to "error", "warning", "info", "hint" or "off"; it is ignored.');
    else {
      const rules: Partial<Record<RuleId, RuleSetting>> = {};
      for (const [id, value] of Object.entries(raw.rules)) {
        if (!isRuleId(id)) problem('rules', `'${id}' is not a rule id, so its setting is ignored.`, id);
        else if (typeof value !== 'string' || !SETTINGS.includes(value)) problem('rules', `${id} = ${JSON.stringify(value)} must be one of ${SETTINGS.join(', ')}; the default is used.`, id);
        else rules[id] = value as RuleSetting;
      }
      out.rules = rules;
    }
  }
  if (raw.alembicVersion !== undefined) {
    const v = typeof raw.alembicVersion === 'string' ? parseVersion(raw.alembicVersion) : undefined;
    if (v) out.alembicVersion = v;
    else problem('alembic-version', `${JSON.stringify(raw.alembicVersion)} is not a version such as "1.13" or "1.13.2"; it is ignored.`);
  }
  if (raw.postgresVersion !== undefined) {
    const n = typeof raw.postgresVersion === 'bigint' ? Number(raw.postgresVersion) : raw.postgresVersion;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 9 && n <= 99) out.postgresVersion = n;
    else problem('postgres-version', `${String(raw.postgresVersion)} is not a PostgreSQL major version such as 14; ${DEFAULT_POSTGRES_VERSION} is used.`);
  }
  if (raw.dialect !== undefined) {
    const d = typeof raw.dialect === 'string' ? canonicalDialect(raw.dialect) : undefined;
    if (d) out.dialect = d;
    else problem('dialect', `${JSON.stringify(raw.dialect)} is not a dialect; expected one of ${KNOWN_DIALECTS.join(', ')}. The dialect of sqlalchemy.url is used.`);
  }
  if (raw.idempotency !== undefined) {
    if (typeof raw.idempotency === 'string' && (IDEMPOTENCY_MODES as readonly string[]).includes(raw.idempotency)) out.idempotency = raw.idempotency as Idempotency;
    else problem('idempotency', `${JSON.stringify(raw.idempotency)} must be one of ${IDEMPOTENCY_MODES.map((m) => `"${m}"`).join(', ')}; "auto" is used.`);
  }
  if (raw.downgrades !== undefined) {
    if (typeof raw.downgrades === 'string' && (DOWNGRADE_POLICIES as readonly string[]).includes(raw.downgrades)) out.downgrades = raw.downgrades as DowngradePolicy;
    else problem('downgrades', `${JSON.stringify(raw.downgrades)} must be "required" or "optional"; the policy is detected from the history.`);
  }
  const locks = validateLockSettings(raw, problem);
  if (locks) out.locks = locks;
  return out;
}

/** `check-downgrade`, `lock-rules-start-after` and `lock-timeout`; undefined when none is set. */
function validateLockSettings(
  raw: { checkDowngrade?: unknown; lockRulesStartAfter?: unknown; lockTimeout?: unknown },
  problem: (key: string, message: string) => void,
): Partial<LockSettings> | undefined {
  const locks: Partial<LockSettings> = {};
  if (raw.checkDowngrade !== undefined) {
    if (typeof raw.checkDowngrade === 'boolean') locks.checkDowngrade = raw.checkDowngrade;
    else problem('check-downgrade', `${JSON.stringify(raw.checkDowngrade)} must be true or false; downgrade() is not checked.`);
  }
  if (raw.lockRulesStartAfter !== undefined) {
    const v = raw.lockRulesStartAfter;
    const list = typeof v === 'string' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
    if (list) locks.startAfter = list.map((x) => x.trim()).filter((x) => x !== '');
    else problem('lock-rules-start-after', `${JSON.stringify(v)} must be a revision id or a list of them; every revision is checked.`);
  }
  if (raw.lockTimeout !== undefined) {
    if (raw.lockTimeout === 'migration' || raw.lockTimeout === 'role') locks.lockTimeout = raw.lockTimeout;
    else problem('lock-timeout', `${JSON.stringify(raw.lockTimeout)} must be "migration" or "role"; "migration" is used.`);
  }
  return Object.keys(locks).length > 0 ? locks : undefined;
}

/** Reads and validates `[tool.alembic-pilot]`; a missing file or table is no configuration. */
export function readPilotTable(file: string, problems: ConfigProblem[]): LintSettingsInput {
  const text = readText(file);
  if (text === undefined) return {};
  let data: TomlTable;
  try {
    data = parse(text);
  } catch (error) {
    // Alembic's own configuration reader reports invalid TOML for the environment already
    // when the file holds [tool.alembic]; a file without it is still worth a word here.
    if (error instanceof TomlError) problems.push({ file, line: error.line, message: `${file}:${error.line}: invalid TOML, so [${TABLE}] is not read: ${error.message.split('\n')[0]}` });
    return {};
  }
  const tool = data['tool'];
  const table = isPlainObject(tool) ? (tool as TomlTable)['alembic-pilot'] : undefined;
  if (table === undefined) return {};
  if (!isPlainObject(table)) {
    problems.push({ file, message: `${file}: [${TABLE}] must be a table; it is ignored.` });
    return {};
  }
  const where = (key: string, rule?: string): { file: string; line?: number; name: string } => {
    const line = (rule !== undefined ? findLine(text, rule) : undefined) ?? findLine(text, key);
    return { file, ...(line !== undefined ? { line } : {}), name: `${file}${line !== undefined ? `:${line}` : ''}: [${TABLE}] ${key}` };
  };
  for (const key of Object.keys(table)) {
    if (!PILOT_KEYS.includes(key)) problems.push({ ...where(key), message: `${where(key).name}: unknown key; expected ${PILOT_KEYS.slice(0, -1).join(', ')} or ${PILOT_KEYS[PILOT_KEYS.length - 1]}.` });
  }
  const t = table as Record<string, TomlValue>;
  return validateLintSettings(
    {
      rules: t['rules'],
      alembicVersion: t['alembic-version'],
      postgresVersion: t['postgres-version'],
      dialect: t['dialect'],
      idempotency: t['idempotency'],
      downgrades: t['downgrades'],
      checkDowngrade: t['check-downgrade'],
      lockRulesStartAfter: t['lock-rules-start-after'],
      lockTimeout: t['lock-timeout'],
    },
    where,
    problems,
  );
}

/**
 * The Alembic version the project uses: the locked version of uv.lock or poetry.lock, or else
 * the lowest version the declared requirements allow (pyproject.toml, then requirements*.txt),
 * looking in the environment's folder and then upwards to the project's pyproject.toml.
 */
export function detectAlembicVersion(folder: string): { version: Version; source: string } | undefined {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    const found = detectIn(dir);
    if (found) return found;
    if (readText(path.join(dir, 'pyproject.toml')) !== undefined || path.dirname(dir) === dir) return undefined;
  }
}

function detectIn(dir: string): { version: Version; source: string } | undefined {
  for (const lock of ['uv.lock', 'poetry.lock']) {
    const file = path.join(dir, lock);
    const v = lockedVersion(readText(file));
    if (v) return { version: v, source: file };
  }
  const pyproject = path.join(dir, 'pyproject.toml');
  const declared = declaredInPyproject(readText(pyproject));
  if (declared) return { version: declared, source: pyproject };
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => /^requirements.*\.txt$/.test(n)).sort();
  } catch {
    return undefined;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    const lines = (readText(file) ?? '').split(/\r?\n/).map((l) => l.replace(/(^|\s)#.*$/, '').trim());
    const v = lowestOf(lines);
    if (v) return { version: v, source: file };
  }
  return undefined;
}

function lockedVersion(text: string | undefined): Version | undefined {
  if (text === undefined) return undefined;
  try {
    const packages = parse(text)['package'];
    if (!Array.isArray(packages)) return undefined;
    for (const p of packages) {
      if (isPlainObject(p) && (p as TomlTable)['name'] === 'alembic' && typeof (p as TomlTable)['version'] === 'string') return parseVersion((p as TomlTable)['version'] as string);
    }
  } catch {
    // A lock file we cannot read tells us nothing; the declared requirements still may.
  }
  return undefined;
}

function declaredInPyproject(text: string | undefined): Version | undefined {
  if (text === undefined) return undefined;
  let data: TomlTable;
  try {
    data = parse(text);
  } catch {
    return undefined;
  }
  const specs: string[] = [];
  const project = data['project'];
  if (isPlainObject(project)) {
    const p = project as TomlTable;
    collectStrings(p['dependencies'], specs);
    if (isPlainObject(p['optional-dependencies'])) for (const v of Object.values(p['optional-dependencies'] as TomlTable)) collectStrings(v, specs);
  }
  if (isPlainObject(data['dependency-groups'])) for (const v of Object.values(data['dependency-groups'] as TomlTable)) collectStrings(v, specs);
  const fromPep508 = lowestOf(specs);
  if (fromPep508) return fromPep508;
  const poetry = isPlainObject(data['tool']) ? (data['tool'] as TomlTable)['poetry'] : undefined;
  if (!isPlainObject(poetry)) return undefined;
  const tables = [(poetry as TomlTable)['dependencies']];
  const groups = (poetry as TomlTable)['group'];
  if (isPlainObject(groups)) for (const g of Object.values(groups as TomlTable)) if (isPlainObject(g)) tables.push((g as TomlTable)['dependencies']);
  for (const t of tables) {
    if (!isPlainObject(t)) continue;
    const entry = (t as TomlTable)['alembic'];
    const spec = typeof entry === 'string' ? entry : isPlainObject(entry) ? (entry as TomlTable)['version'] : undefined;
    if (typeof spec === 'string') {
      const v = lowestAlembicVersion(spec, 'poetry');
      if (v) return v;
    }
  }
  return undefined;
}

function lowestOf(requirements: readonly string[]): Version | undefined {
  for (const r of requirements) {
    const m = /^alembic\s*(\[[^\]]*\])?\s*([^;]*)/i.exec(r.trim());
    if (!m) continue;
    const v = lowestAlembicVersion(m[2]!.trim(), 'pep508');
    if (v) return v;
  }
  return undefined;
}

function collectStrings(value: TomlValue | undefined, into: string[]): void {
  if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') into.push(v);
}

function findLine(text: string, key: string): number | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  const start = lines.findIndex((l) => /^\s*\[\s*tool\s*\.\s*(?:alembic-pilot|"alembic-pilot")/.test(l));
  if (start < 0) return undefined;
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?:^|[\\s{,])(?:${escaped}|"${escaped}"|'${escaped}')\\s*=`);
  for (let i = start; i < lines.length; i++) {
    if (i > start && /^\s*\[/.test(lines[i]!) && !/^\s*\[\s*tool\s*\.\s*(?:alembic-pilot|"alembic-pilot")/.test(lines[i]!)) return undefined;
    if (pattern.test(lines[i]!)) return i + 1;
  }
  return undefined;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
