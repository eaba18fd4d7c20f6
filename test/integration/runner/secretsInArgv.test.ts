import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AlembicCommand } from '../../../server/src/runner/command';
import { AlembicRunner } from '../../../server/src/runner/runner';
import { database, labProject, PASSWORD, startLab, withoutPassword, type Lab, type LabProject } from '../faults/lab';

/**
 * The database URL reaches Alembic through the environment (DATABASE_URL), never on its command
 * line, where every user of the machine could read it (ps, /proc/<pid>/cmdline): the command
 * Alembic runs with is recorded, and neither the URL nor the password may be in it.
 */

const python = inject('alembicPython');

let lab: Lab;
let project: LabProject;

beforeAll(async () => {
  lab = await startLab();
  project = labProject();
}, 240_000);

afterAll(async () => {
  project?.remove();
  await lab?.stop();
});

/** Runs Alembic and first writes what it was started with: its argv and the variables that matter. */
function recordingCommand(): { command: AlembicCommand; recorded(): { argv: string[]; databaseUrl: string | null; pgPassword: string | null } } {
  const log = path.join(project.dir, 'started-with.json');
  const wrapper = path.join(project.dir, 'recording_alembic.py');
  writeFileSync(
    wrapper,
    `import json, os, sys\nwith open(${JSON.stringify(log)}, "w") as f:\n    json.dump({"argv": sys.argv, "databaseUrl": os.environ.get("DATABASE_URL"), "pgPassword": os.environ.get("PGPASSWORD")}, f)\nos.execv(sys.executable, [sys.executable, "-m", "alembic"] + sys.argv[1:])\n`,
  );
  return { command: { argv: [python, wrapper], source: 'setting', description: 'Alembic, recorded' }, recorded: () => JSON.parse(readFileSync(log, 'utf8')) as never };
}

describe('what Alembic is started with', () => {
  it('has the URL and the typed password in its environment only, never in its arguments', async () => {
    const recording = recordingCommand();
    const url = withoutPassword(lab.url);
    const result = await new AlembicRunner().run({ env: project.env(), operation: { kind: 'upgrade', target: 'heads' }, command: recording.command, database: database(url), password: PASSWORD });
    expect(result.ok, result.message).toBe(true);
    const { argv, databaseUrl, pgPassword } = recording.recorded();
    expect(argv.slice(1)).toEqual(['-c', project.ini, '-n', 'alembic', 'upgrade', 'heads']);
    expect(argv.join(' ')).not.toContain('postgresql');
    expect(argv.join(' ')).not.toContain(PASSWORD);
    expect(argv.join(' ')).not.toContain(encodeURIComponent(PASSWORD));
    expect(databaseUrl).toBe(lab.url);
    expect(pgPassword).toBe(PASSWORD);
    expect([result.message, result.stdout, ...result.output.map((l) => l.text)].join('\n')).not.toContain(PASSWORD);
  });
});
