import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';

/**
 * `alembic-pilot lint --accept-existing` with the bundled CLI on a copy of the sample project:
 * the heads go into the project's pyproject.toml, the accepted revisions' lock findings go,
 * and a revision written afterwards is checked.
 */

const repo = path.resolve(__dirname, '../..');
const LOCK_RULES = new Set(['index-without-concurrently', 'missing-lock-timeout', 'column-type-change', 'drop-column']);
const work = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-accept-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function lint(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repo, 'dist/cli.js'), 'lint', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const lockRulesIn = (stdout: string): string[] => (JSON.parse(stdout) as { rule: string; file: string }[]).filter((f) => LOCK_RULES.has(f.rule)).map((f) => `${path.basename(f.file)} ${f.rule}`);

describe('lint --accept-existing', () => {
  it('records the heads, then reports only on revisions written after them', () => {
    const dir = path.join(work, 'sample');
    cpSync(path.join(repo, 'migrations-sample'), dir, { recursive: true });
    expect(lockRulesIn(lint(dir, '--format', 'json', '.').stdout).length).toBeGreaterThan(0);

    const accepted = lint(dir, '--format', 'json', '--accept-existing', '.');
    expect(accepted.stderr).toMatch(/^accepted the existing migrations of .*alembic\.ini: lock-rules-start-after = \w+/m);
    expect(lockRulesIn(accepted.stdout)).toEqual([]);
    const pilot = (parse(readFileSync(path.join(dir, 'pyproject.toml'), 'utf8')) as { tool: Record<string, Record<string, unknown>> }).tool['alembic-pilot']!;
    const heads = [pilot['lock-rules-start-after']].flat() as string[];
    expect(heads.length).toBeGreaterThan(0);
    // The project's own pyproject.toml keeps what it had.
    expect(readFileSync(path.join(dir, 'pyproject.toml'), 'utf8')).toContain('name = "kraken-migrations"');

    const versions = path.join(dir, 'alembic/versions');
    const template = readFileSync(path.join(versions, readdirSync(versions).find((f) => f.includes('002_add_user_id'))!), 'utf8');
    const next = template
      .replace(/revision: str = "002"/, 'revision: str = "f00d00000001"')
      .replace(/down_revision: [^\n]*/, `down_revision: Union[str, Sequence[str], None] = ${JSON.stringify(heads.length === 1 ? heads[0] : heads)}`)
      .replace(/Revision ID: 002/, 'Revision ID: f00d00000001')
      .replace(/Revises: 001/, `Revises: ${heads.join(', ')}`);
    writeFileSync(path.join(versions, '2026_01_01_0000-f00d00000001_again.py'), next);
    expect(lockRulesIn(lint(dir, '--format', 'json', '.').stdout)).toEqual(['2026_01_01_0000-f00d00000001_again.py missing-lock-timeout', '2026_01_01_0000-f00d00000001_again.py index-without-concurrently']);
  });

  it('exits 2 and writes nothing when the pyproject.toml cannot be edited safely', () => {
    const dir = path.join(work, 'inline');
    cpSync(path.join(repo, 'migrations-sample'), dir, { recursive: true });
    const file = path.join(dir, 'pyproject.toml');
    // Valid TOML, but the table is an inline one that a line edit cannot extend.
    const text = '[project]\nname = "kraken-migrations"\n\n[tool]\nalembic-pilot = { idempotency = "everywhere" }\n';
    writeFileSync(file, text);
    const r = lint(dir, '--accept-existing', '.');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--accept-existing: .*pyproject\.toml: \[tool\.alembic-pilot\] is written in a form this command cannot edit safely/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
