import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectAlembicVersion, loadLintConfig, mergeLintSettings } from '../../../server/src/core/rules/config';
import { lowestAlembicVersion } from '../../../server/src/core/rules/versionSpec';
import type { AlembicEnvironment } from '../../../server/src/core/config';
import { tempDir } from '../../helpers/tempDir';

function folder(files: Record<string, string>): string {
  const dir = tempDir('alembic-pilot-lintcfg-');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function env(here: string): AlembicEnvironment {
  return { configFile: path.join(here, 'alembic.ini'), section: 'alembic', here, versionLocations: [], recursiveVersionLocations: false, fileTemplate: '', truncateSlugLength: 40, prependSysPath: [], problems: [] };
}

describe('lowest version a specifier allows', () => {
  it.each([
    ['>=1.13', 'pep508', [1, 13, 0]],
    ['>=1.12,<2,>=1.13.1', 'pep508', [1, 13, 1]],
    ['~=1.13.2', 'pep508', [1, 13, 2]],
    ['==1.14.*', 'pep508', [1, 14, 0]],
    ['>1.13', 'pep508', [1, 13, 1]],
    ['<2', 'pep508', undefined],
    ['', 'pep508', undefined],
    ['^1.13', 'poetry', [1, 13, 0]],
    ['1.13.1', 'poetry', [1, 13, 1]],
    ['*', 'poetry', undefined],
    ['^1.12 || ^1.14', 'poetry', [1, 12, 0]],
  ] as const)('%s (%s)', (spec, dialect, expected) => {
    expect(lowestAlembicVersion(spec, dialect)).toEqual(expected);
  });
});

describe('Alembic version detection', () => {
  it.each([
    ['a lock file first', { 'uv.lock': '[[package]]\nname = "alembic"\nversion = "1.15.2"\n', 'pyproject.toml': '[project]\ndependencies = ["alembic>=1.13"]\n' }, [1, 15, 2]],
    ['PEP 508 dependencies', { 'pyproject.toml': '[project]\ndependencies = ["sqlalchemy>=2", "alembic[tz] >= 1.13 ; python_version >= \'3.9\'"]\n' }, [1, 13, 0]],
    ['poetry dependencies', { 'pyproject.toml': '[tool.poetry.dependencies]\nalembic = { version = "^1.12", extras = ["tz"] }\n' }, [1, 12, 0]],
    ['requirements files', { 'requirements-dev.txt': '-r requirements.txt\nalembic==1.11.3  # pinned\n' }, [1, 11, 3]],
    ['nothing', { 'pyproject.toml': '[project]\nname = "x"\n' }, undefined],
  ] as const)('reads %s', (_, files, expected) => {
    expect(detectAlembicVersion(folder(files))?.version).toEqual(expected);
  });
});

describe('[tool.alembic-pilot]', () => {
  it('is read and overridden by explicit settings', () => {
    const dir = folder({ 'pyproject.toml': '[tool.alembic-pilot]\nrules = { "missing-downgrade" = "error", "multiple-heads" = "off" }\nalembic-version = "1.12"\npostgres-version = 15\n' });
    const config = loadLintConfig(env(dir), { rules: { 'missing-downgrade': 'info' }, postgresVersion: 16 });
    expect(config.problems).toEqual([]);
    expect(config.settings).toEqual({ 'missing-downgrade': 'info', 'multiple-heads': 'off' });
    expect(config.targets).toEqual({ alembicVersion: [1, 12, 0], postgresVersion: 16, dialect: { name: 'postgresql', source: 'default', transactionalDdl: true } });
  });

  it('reports bad values with their line and ignores them', () => {
    const dir = folder({ 'pyproject.toml': '[project]\nname = "x"\n\n[tool.alembic-pilot]\nrules = { "missing-downgrad" = "error" }\npostgres-version = "fifteen"\ncolour = 1\n' });
    const config = loadLintConfig(env(dir));
    expect(config.problems.map((p) => [p.line, p.message.replace(/^.*\] /, '')])).toEqual([
      [7, 'colour: unknown key; expected rules, alembic-version, postgres-version, dialect, idempotency, downgrades, check-downgrade, lock-rules-start-after or lock-timeout.'],
      [5, "rules: 'missing-downgrad' is not a rule id, so its setting is ignored."],
      [6, 'postgres-version: fifteen is not a PostgreSQL major version such as 14; 14 is used.'],
    ]);
    expect(config.targets.postgresVersion).toBe(14);
  });

  it('merges layers in order', () => {
    expect(mergeLintSettings({ postgresVersion: 13 }, { rules: { 'python-syntax': 'warning' } }, { postgresVersion: 16 }).targets.postgresVersion).toBe(16);
  });
});
