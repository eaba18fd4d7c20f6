import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sarifSchema from '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json';
import { run } from '../helpers/run';

/**
 * `alembic-pilot lint` as a CI job runs it: the bundled CLI (dist/cli.js and its worker
 * dist/lintWorker.js, built by `npm test` before vitest runs) in its own process, on the
 * sample, on the projects under test/fixtures/lint-cli/ and on a generated history. The
 * sample's JSON output is a snapshot; refresh it with
 * `UPDATE_SNAPSHOTS=1 npx vitest run test/integration/lint-cli.test.ts` and review the diff.
 */

const repo = path.resolve(__dirname, '../..');
const fixtures = path.join(repo, 'test/fixtures/lint-cli');
const snapshot = path.join(fixtures, 'migrations-sample.expected.json');
let work: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: string;
  severity: string;
  message: string;
}

function lint(cwd: string, ...args: string[]): Run {
  return lintWith(path.join(repo, 'dist/cli.js'), cwd, ...args);
}

function graph(cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [path.join(repo, 'dist/cli.js'), 'graph', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function lintWith(cli: string, cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [cli, 'lint', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `lint` without blocking the test worker: a test that runs several long lints in a row would
 * otherwise keep vitest's worker from answering its runner for longer than it waits.
 */
async function lintAsync(cwd: string, ...args: string[]): Promise<Run> {
  const r = await run(process.execPath, [path.join(repo, 'dist/cli.js'), 'lint', ...args], { cwd });
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function json(r: Run): JsonFinding[] {
  return JSON.parse(r.stdout) as JsonFinding[];
}

/** A fixture copied to a fresh folder, for tests that change files or need git. */
function copyFixture(name: string): string {
  const dir = mkdtempSync(path.join(work, `${name}-`));
  cpSync(path.join(fixtures, name), dir, { recursive: true });
  return dir;
}

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
}

function gitRepoOf(name: string): string {
  const dir = copyFixture(name);
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

const sarifValidator = (() => {
  // The schema's pattern for `language` has a stray `]` that is only valid without the `u` flag.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(sarifSchema);
  return (log: unknown): string => (validate(log) ? '' : ajv.errorsText(validate.errors));
})();

const MISSING_B2 = {
  file: 'migrations/versions/b2_add_email.py',
  line: 19,
  column: 5,
  endLine: 19,
  endColumn: 14,
  rule: 'missing-downgrade',
  severity: 'warning',
};

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-lint-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('migrations-sample', () => {
  it('matches the committed snapshot', () => {
    const r = lint(repo, '--format', 'json', 'migrations-sample');
    expect(r.stderr).toBe('');
    const actual = `${JSON.stringify(json(r), null, 2)}\n`;
    if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(snapshot, actual);
    expect(existsSync(snapshot), `${snapshot} is missing; run with UPDATE_SNAPSHOTS=1 to write it`).toBe(true);
    expect(actual).toBe(readFileSync(snapshot, 'utf8'));
    const gating = json(r).some((f) => f.severity === 'error' || f.severity === 'warning');
    expect(r.code).toBe(gating ? 1 : 0);
  });

  it('prints the same findings in every format', () => {
    const fromJson = json(lint(repo, '--format', 'json', 'migrations-sample'));
    const text = lint(repo, 'migrations-sample').stdout.split('\n').filter(Boolean);
    expect(text).toEqual(fromJson.map((f) => `${f.file}:${f.line}:${f.column}: ${f.severity}[${f.rule}] ${f.message}`));
    const sarif = JSON.parse(lint(repo, '--format', 'sarif', 'migrations-sample').stdout) as { runs: { results: unknown[] }[] };
    expect(sarifValidator(sarif)).toBe('');
    expect(sarif.runs[0]!.results).toHaveLength(fromJson.length);
  });
});

describe('formats and exit codes', () => {
  const basic = path.join(fixtures, 'basic');

  it('prints text, 1-based, relative to the working directory, and exits 1 on a warning', () => {
    const r = lint(basic, '.');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^migrations\/versions\/b2_add_email\.py:19:5: warning\[missing-downgrade\] downgrade\(\) does nothing, so `alembic downgrade` past b2 /);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('prints JSON with exclusive ends', () => {
    const r = lint(basic, '--format', 'json', 'alembic.ini');
    expect(r.code).toBe(1);
    expect(json(r)).toEqual([{ ...MISSING_B2, message: expect.stringMatching(/^downgrade\(\) does nothing/) as unknown as string }]);
  });

  it('prints paths outside the working directory as absolute', () => {
    const r = lint(work, '--format', 'json', basic);
    expect(json(r).map((f) => f.file)).toEqual([path.join(basic, MISSING_B2.file)]);
  });

  it('prints SARIF that the schema accepts, located relative to %SRCROOT%', () => {
    const r = lint(basic, '--format', 'sarif', '.');
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: unknown }[] }[] }[] };
    expect(sarifValidator(log)).toBe('');
    expect(log.runs[0]!.results.map((x) => [x.ruleId, x.level])).toEqual([['missing-downgrade', 'warning']]);
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: MISSING_B2.file, uriBaseId: '%SRCROOT%' },
      region: { startLine: 19, startColumn: 5, endLine: 19, endColumn: 14 },
    });
  });

  it.each(['text', 'json', 'sarif'])('exits 0 on a clean project (%s)', (format) => {
    const r = lint(path.join(fixtures, 'clean'), '--format', format, '.');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    if (format === 'json') expect(json(r)).toEqual([]);
    if (format === 'text') expect(r.stdout).toBe('');
  });
});

describe('arguments', () => {
  it('lints every environment under a folder', () => {
    const r = lint(fixtures, '--format', 'json', 'two-envs');
    expect(r.code).toBe(1);
    expect(json(r).map((f) => `${f.file} ${f.rule}`)).toEqual([
      'two-envs/billing/migrations/versions/c3_billing_table.py missing-downgrade',
      'two-envs/reports/migrations/versions/c3_reports_table.py missing-downgrade',
    ]);
  });

  it('lints a file within the environment that lists it, and nothing else', () => {
    const r = lint(fixtures, '--format', 'json', 'two-envs/reports/migrations/versions/c3_reports_table.py');
    expect(json(r).map((f) => f.file)).toEqual(['two-envs/reports/migrations/versions/c3_reports_table.py']);
    const clean = lint(fixtures, 'basic/migrations/versions/a1_create_users.py');
    expect(clean).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('prints its usage with --help', () => {
    const r = lint(fixtures, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('alembic-pilot lint [--format text|json|sarif] [--config pyproject.toml] [--since GIT_REF] [--fix]');
  });

  it.each<[string, string[], RegExp]>([
    ['no argument', [], /at least one argument/],
    ['an unknown format', ['--format', 'xml', 'basic'], /--format must be one of text, json, sarif/],
    ['an unknown option', ['--frobnicate', 'basic'], /frobnicate/],
    ['a missing path', ['nosuch'], /nosuch: no such file or folder/],
    ['a folder without an environment', ['no-environment'], /no Alembic environment .* under no-environment/],
    ['a file no environment lists', ['no-environment/README.md'], /not a revision file of any Alembic environment/],
    ['--jobs 0', ['--jobs', '0', 'basic'], /--jobs must be a whole number of at least 1, not '0'/],
    ['a --jobs that is not a number', ['-j', 'all', 'basic'], /--jobs must be a whole number of at least 1, not 'all'/],
  ])('exits 2 with the reason on stderr for %s', (_, args, reason) => {
    const r = lint(fixtures, ...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(reason);
  });

  it('exits 2 on a broken alembic.ini', () => {
    const dir = copyFixture('clean');
    writeFileSync(path.join(dir, 'alembic.ini'), '[alembic\nscript_location = x\n');
    const r = lint(dir, '.');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('alembic.ini');
  });
});

describe('--config', () => {
  it("layers the project's [tool.alembic-pilot] over the defaults, and the --config file over both", () => {
    expect(lint(fixtures, 'configured')).toEqual({ code: 0, stdout: '', stderr: '' });
    const r = lint(fixtures, '--config', 'strict.toml', '--format', 'json', 'configured');
    expect(r.code).toBe(1);
    expect(json(r).map((f) => `${f.file} ${f.severity}[${f.rule}]`)).toEqual(['configured/migrations/versions/b2_add_email.py error[missing-downgrade]']);
  });

  it('warns about a misspelt rule id and lints on', () => {
    const r = lint(fixtures, '--config', 'unknown-rule.toml', 'configured');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/unknown-rule\.toml:3: .*'missing-downgrades' is not a rule id/);
  });

  it('exits 2 when the file is missing or is not TOML', () => {
    const bad = path.join(work, 'bad.toml');
    writeFileSync(bad, '[tool.alembic-pilot\n');
    for (const [file, reason] of [['nosuch.toml', /no such file/], [bad, /invalid TOML/]] as const) {
      const r = lint(fixtures, '--config', file, 'configured');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(reason);
    }
  });
});

describe('--since', () => {
  it('reports only on revision files changed or added since the ref', () => {
    const dir = gitRepoOf('basic');
    expect(json(lint(dir, '--format', 'json', '--since', 'HEAD', '.'))).toEqual([]);
    // An untracked revision on top of b2 with an empty downgrade: the only file to report on.
    const b2 = readFileSync(path.join(dir, 'migrations/versions/b2_add_email.py'), 'utf8');
    writeFileSync(path.join(dir, 'migrations/versions/c3_add_name.py'), b2.replaceAll('b2', 'c3').replace('Revises: a1', 'Revises: b2').replace('down_revision = "a1"', 'down_revision = "b2"').replace('email', 'name'));
    const r = lint(dir, '--format', 'json', '--since', 'HEAD', '.');
    expect(r.code).toBe(1);
    expect(json(r).map((f) => `${f.file} ${f.rule}`)).toEqual(['migrations/versions/c3_add_name.py missing-downgrade']);
  });

  it('counts committed and modified files since an older ref', () => {
    const dir = gitRepoOf('clean');
    const a1 = path.join(dir, 'migrations/versions/a1_create_users.py');
    writeFileSync(a1, readFileSync(a1, 'utf8').replace('op.execute("DROP TABLE IF EXISTS users")', 'pass'));
    git(dir, 'commit', '-q', '-am', 'empty downgrade');
    expect(lint(dir, '--since', 'HEAD', '.').code).toBe(0);
    const r = lint(dir, '--format', 'json', '--since', 'HEAD~1', '.');
    expect(json(r).map((f) => `${f.file} ${f.rule}`)).toEqual(['migrations/versions/a1_create_users.py missing-downgrade']);
  });

  it('still sees the whole history: a new file that forks the chain is reported', () => {
    const dir = gitRepoOf('basic');
    const b2 = readFileSync(path.join(dir, 'migrations/versions/b2_add_email.py'), 'utf8');
    // A second child of a1 next to b2: two heads, which only the whole graph reveals.
    writeFileSync(path.join(dir, 'migrations/versions/c3_fork.py'), b2.replaceAll('b2', 'c3').replace('    pass', '    op.execute("ALTER TABLE users DROP COLUMN IF EXISTS email")'));
    const r = lint(dir, '--format', 'json', '--since', 'HEAD', '.');
    expect(json(r).map((f) => `${f.file} ${f.rule}`)).toEqual(['migrations/versions/c3_fork.py multiple-heads']);
  });

  it('exits 2 outside a git repository or on an unknown ref', () => {
    const plain = copyFixture('basic');
    const outside = lint(plain, '--since', 'HEAD', '.');
    expect(outside.code).toBe(2);
    expect(outside.stdout).toBe('');
    expect(outside.stderr).toMatch(/--since needs a git repository/);
    const dir = gitRepoOf('basic');
    // A ref that looks like an option must reach git as a ref, never as an option of git diff.
    for (const ref of ['no-such-branch', '--output=/tmp/x']) {
      const unknown = lint(dir, `--since=${ref}`, '.');
      expect(unknown.code).toBe(2);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toContain(`'${ref}' is not a commit`);
    }
  });
});

describe('--fix', () => {
  it('adds the missing guards in place and lists them', () => {
    const dir = copyFixture('fixable');
    const file = path.join(dir, 'migrations/versions/d4_audit.py');
    const before = json(lint(dir, '--format', 'json', '.'));
    expect(before.map((f) => `${f.line}:${f.column} ${f.rule}`)).toEqual(['16:17 non-idempotent-ddl', '17:17 non-idempotent-ddl', '18:17 non-idempotent-ddl']);

    const r = lint(dir, '--fix', '--format', 'json', '.');
    expect(readFileSync(file, 'utf8')).toContain('op.execute("CREATE TABLE IF NOT EXISTS audit (id BIGINT PRIMARY KEY, mood_at TIMESTAMPTZ)")');
    expect(readFileSync(file, 'utf8')).toContain('op.execute("CREATE INDEX IF NOT EXISTS ix_audit_mood_at ON audit (mood_at)")');
    // CREATE TYPE has no IF NOT EXISTS: it is wrapped in a DO block that ignores the duplicate.
    expect(readFileSync(file, 'utf8')).toContain(
      `op.execute("DO $$ BEGIN CREATE TYPE mood AS ENUM ('calm', 'busy'); EXCEPTION WHEN duplicate_object THEN NULL; END $$")`,
    );
    expect(r.stderr.trim().split('\n')).toEqual([
      'fixed migrations/versions/d4_audit.py:16:17 [non-idempotent-ddl]: Insert IF NOT EXISTS',
      'fixed migrations/versions/d4_audit.py:17:17 [non-idempotent-ddl]: Insert IF NOT EXISTS',
      'fixed migrations/versions/d4_audit.py:18:17 [non-idempotent-ddl]: Wrap in a DO block that ignores duplicate_object',
    ]);
    expect(r.code).toBe(0);
    expect(json(r)).toEqual([]);

    const again = lint(dir, '--fix', '.');
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
  });
});

describe('--jobs: worker threads', () => {
  /**
   * A generated history (bench/history.mjs) with every rule's fixtures added to it and their
   * multi-file environments beside it, so that each rule reports and the threads merge
   * findings of several environments. (When the default starts workers is a unit test of
   * `threadCount`.)
   */
  let history: string;

  function copyRuleFixtures(into: string): void {
    const rules = path.join(repo, 'test/fixtures/rules');
    const versions = path.join(into, 'migrations/versions');
    for (const rule of readdirSync(rules)) {
      for (const entry of readdirSync(path.join(rules, rule), { withFileTypes: true })) {
        const from = path.join(rules, rule, entry.name);
        if (entry.isDirectory()) cpSync(from, path.join(into, 'envs', `${rule}-${entry.name}`), { recursive: true });
        else if (entry.name.endsWith('.py')) copyFileSync(from, path.join(versions, `zz_${rule}_${entry.name}`.replaceAll('-', '_')));
      }
    }
  }

  /** Every revision file under a folder, relative to it, with its text. */
  function texts(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (f.endsWith('.py')) out[f] = readFileSync(path.join(dir, f), 'utf8');
    }
    return out;
  }

  beforeAll(async () => {
    // The generator is a plain ES module shared with the benchmarks; it caches its histories.
    const generator = (await import(pathToFileURL(path.join(repo, 'bench/history.mjs')).href)) as { ensureHistory(count: number): { dir: string } };
    history = mkdtempSync(path.join(work, 'history-'));
    cpSync(generator.ensureHistory(200).dir, history, { recursive: true });
    copyRuleFixtures(history);
  });

  it('reports exactly what one thread reports', async () => {
    const one = await lintAsync(history, '--jobs', '1', '--format', 'json', '.');
    expect(one.code).toBe(1);
    const rules = new Set(json(one).map((f) => f.rule));
    expect([...rules].sort()).toEqual(
      expect.arrayContaining(['duplicate-revision', 'incomplete-downgrade', 'multiple-heads', 'non-idempotent-ddl', 'python-syntax', 'revision-cycle', 'sql-syntax', 'unused-suppression']),
    );
    expect(new Set(json(one).map((f) => f.file.split('/')[0]))).toEqual(new Set(['envs', 'migrations']));
    for (const jobs of [['--jobs', '2'], ['-j', '5']]) {
      expect(await lintAsync(history, ...jobs, '--format', 'json', '.'), `with ${jobs.join(' ')}`).toEqual(one);
    }
  });

  it('applies the same fixes and reports what remains as one thread does', async () => {
    const single = mkdtempSync(path.join(work, 'fix-one-'));
    const parallel = mkdtempSync(path.join(work, 'fix-many-'));
    cpSync(history, single, { recursive: true });
    cpSync(history, parallel, { recursive: true });
    const one = await lintAsync(single, '--fix', '--jobs', '1', '--format', 'json', '.');
    expect(one.stderr).toMatch(/^fixed migrations\/versions\/.*: Insert IF NOT EXISTS$/m);
    expect(await lintAsync(parallel, '--fix', '--jobs', '3', '--format', 'json', '.')).toEqual(one);
    expect(texts(parallel)).toEqual(texts(single));
  });

  it('exits 2 with the reason, and prints no findings, when a worker fails', () => {
    // A copy of the bundle whose worker throws: the CLI must say so rather than hang or pass.
    const dist = mkdtempSync(path.join(work, 'dist-'));
    for (const file of ['cli.js', 'libpg-query.wasm']) copyFileSync(path.join(repo, 'dist', file), path.join(dist, file));
    writeFileSync(path.join(dist, 'lintWorker.js'), "throw new Error('this worker is broken');\n");
    const r = lintWith(path.join(dist, 'cli.js'), path.join(fixtures, 'basic'), '--jobs', '2', '.');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^alembic-pilot: a lint worker failed: Error: this worker is broken/);
  });
});

describe('a configuration that points nowhere', () => {
  it('exits 2 from lint and graph when the script_location folder is missing, as Alembic fails', () => {
    const dir = copyFixture('clean');
    writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/migratoins\n');
    for (const r of [lint(dir, '.'), lint(dir, 'alembic.ini'), graph(dir, '.')]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/alembic\.ini:2: The script_location folder .*migratoins does not exist/);
    }
  });

  it('warns and exits 1 when a version location is missing, naming the folder', () => {
    const dir = copyFixture('clean');
    writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/migrations\npath_separator = os\nversion_locations = %(here)s/migrations/versions:%(here)s/elsewhere\n');
    for (const r of [lint(dir, '.'), graph(dir, '.')]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/warning: .*alembic\.ini:4: The version location .*elsewhere does not exist/);
    }
  });
});

describe('values that are not literals', () => {
  it('are named once on stderr by lint and graph, and stdout stays parseable', () => {
    const dir = copyFixture('clean');
    const versions = path.join(dir, 'migrations', 'versions');
    const base = readdirSync(versions).find((f) => f.endsWith('.py'))!;
    const id = /revision = "([^"]+)"/.exec(readFileSync(path.join(versions, base), 'utf8'))![1]!;
    for (const [name, label] of [['x1_expand.py', 'migration.EXPAND_BRANCH'], ['x2_contract.py', 'migration.CONTRACT_BRANCH']] as const) {
      writeFileSync(
        path.join(versions, name),
        `"""${name}\n\nRevision ID: ${name.slice(0, 2)}\nRevises: ${id}\n"""\nfrom alembic import op\nfrom app.db import migration\n\nrevision = "${name.slice(0, 2)}"\ndown_revision = "${id}"\nbranch_labels = ${label}\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`,
      );
    }
    const l = lint(dir, '--jobs', '2', '.');
    const g = graph(dir, '.');
    for (const r of [l, g]) {
      const notes = r.stderr.split('\n').filter((line) => line.startsWith('note:'));
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(/x1_expand\.py: branch_labels = migration\.EXPAND_BRANCH; .*x2_contract\.py: branch_labels = migration\.CONTRACT_BRANCH/);
    }
    // Two heads whose branches carry labels that cannot be read are not reported as unmerged.
    expect(l.stdout).not.toMatch(/multiple-heads/);
    expect(l.code).toBe(0);
  });
});

describe('the README', () => {
  it("shows the sample's lint output as it is", () => {
    const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    const block = /```sh\n\$ node dist\/cli\.js lint migrations-sample\n([\s\S]*?)```\n/.exec(readme);
    expect(block, 'the README shows `node dist/cli.js lint migrations-sample`').not.toBeNull();
    expect(block![1]).toBe(lint(repo, 'migrations-sample').stdout);
  });
});
