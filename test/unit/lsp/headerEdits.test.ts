import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver/node';
import type { SqlParser } from '../../../server/src/core/rules/types';
import { loadSqlParser } from '../../../server/src/core/sql';
import { cachedSqlParser } from '../../../server/src/lsp/sqlCache';
import { WorkspaceModel } from '../../../server/src/lsp/workspaceModel';

/**
 * After header edits (revision ids, parents, dependencies, labels, the docstring's header
 * lines) the language server recomputes only the graph rules on the files it did not re-lint.
 * Whatever the edits, the diagnostics a client holds (every publication applied in turn) must
 * be those a fresh server gives for the same buffers and disk, file for file.
 */

const IDS = ['a0', 'a1', 'a2', 'a3', 'b1', 'b2', 'm1', 'c1', 'c2', 'c3'].map((s) => `${s}00000000000`.slice(0, 12));

interface Spec {
  id: string;
  down: string[];
  labels?: string[];
  depends?: string[];
}

/** A small history: a main line, a branch merged back, a labelled second base. */
const HISTORY: Spec[] = [
  { id: IDS[0]!, down: [] },
  { id: IDS[1]!, down: [IDS[0]!] },
  { id: IDS[2]!, down: [IDS[1]!] },
  { id: IDS[3]!, down: [IDS[2]!] },
  { id: IDS[4]!, down: [IDS[1]!] },
  { id: IDS[5]!, down: [IDS[4]!], depends: [IDS[2]!] },
  { id: IDS[6]!, down: [IDS[3]!, IDS[5]!] },
  { id: IDS[7]!, down: [], labels: ['side'] },
  { id: IDS[8]!, down: [IDS[7]!] },
  { id: IDS[9]!, down: [IDS[8]!] },
];

function literal(ids: string[] | undefined): string {
  if (!ids || ids.length === 0) return 'None';
  return ids.length === 1 ? `'${ids[0]}'` : `(${ids.map((i) => `'${i}'`).join(', ')})`;
}

function revisionText(s: Spec, revises: string = s.down.join(', ')): string {
  return [
    `"""change ${s.id}`,
    '',
    `Revision ID: ${s.id}`,
    `Revises: ${revises}`,
    'Create Date: 2026-01-01 00:00:00.000000',
    '',
    '"""',
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    `revision = '${s.id}'`,
    `down_revision = ${literal(s.down)}`,
    `branch_labels = ${literal(s.labels)}`,
    `depends_on = ${literal(s.depends)}`,
    '',
    '',
    'def upgrade():',
    `    op.add_column("t_${s.id}", sa.Column("c", sa.Text()))`,
    `    op.execute("CREATE INDEX ix_${s.id} ON t (c)")`,
    '',
    '',
    'def downgrade():',
    '    pass',
    '',
  ].join('\n');
}

/** One header edit: a field of one file set to some value. */
type Edit =
  | { file: number; field: 'revision'; value: string }
  | { file: number; field: 'down_revision' | 'depends_on' | 'branch_labels'; value: string[] }
  | { file: number; field: 'Revises'; value: string };

const someId = fc.constantFrom(...IDS, 'ffffffffffff', 'a1');
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ file: fc.nat(HISTORY.length - 1), field: fc.constant('revision' as const), value: someId }),
  fc.record({ file: fc.nat(HISTORY.length - 1), field: fc.constantFrom('down_revision' as const, 'depends_on' as const), value: fc.array(someId, { maxLength: 2 }) }),
  fc.record({ file: fc.nat(HISTORY.length - 1), field: fc.constant('branch_labels' as const), value: fc.array(fc.constantFrom('side', 'main', 'x'), { maxLength: 2 }) }),
  fc.record({ file: fc.nat(HISTORY.length - 1), field: fc.constant('Revises' as const), value: fc.constantFrom('', IDS[0]!, `${IDS[1]}, ${IDS[2]}`) }),
);
/** Where an edit lands: in an open buffer, or on disk in a closed file (as a file watcher reports it). */
const where = fc.constantFrom('buffer' as const, 'disk' as const);

function apply(text: string, e: Edit): string {
  switch (e.field) {
    case 'revision':
      return text.replace(/^revision = .*$/m, `revision = '${e.value}'`);
    case 'Revises':
      return text.replace(/^Revises:.*$/m, `Revises: ${e.value}`.trimEnd());
    default:
      return text.replace(new RegExp(`^${e.field} = .*$`, 'm'), `${e.field} = ${literal(e.value)}`);
  }
}

let root: string;
let sql: SqlParser;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-header-edits-'));
  sql = cachedSqlParser(await loadSqlParser());
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(): { dir: string; files: string[] } {
  const dir = mkdtempSync(path.join(root, 'p-'));
  mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
  writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/migrations\n');
  writeFileSync(path.join(dir, 'migrations', 'env.py'), '');
  const files = HISTORY.map((s, i) => {
    const file = path.join(dir, 'migrations', 'versions', `${String(i).padStart(2, '0')}_${s.id}.py`);
    writeFileSync(file, revisionText(s));
    return file;
  });
  return { dir, files };
}

/** What a client holds after applying every publication in turn; empty lists are dropped. */
class Client {
  readonly held = new Map<string, Diagnostic[]>();

  take(published: Map<string, Diagnostic[]>): void {
    for (const [file, list] of published) {
      if (list.length === 0) this.held.delete(file);
      else this.held.set(file, list);
    }
  }
}

/** Runs the server's loop: rounds of one-millisecond slices until nothing is left to lint. */
function settle(model: WorkspaceModel, client: Client): void {
  for (let round = 0; ; round++) {
    client.take(model.diagnostics(1));
    if (!model.busy) return;
    if (round > 10_000) throw new Error('the model never settled');
  }
}

async function fresh(dir: string, open: ReadonlyMap<string, string>): Promise<Map<string, Diagnostic[]>> {
  const model = new WorkspaceModel([dir]);
  model.setSqlParser(sql);
  await model.rediscover();
  for (const [file, text] of open) model.setText(file, text);
  const client = new Client();
  client.take(model.diagnostics());
  return client.held;
}

describe('header edits', () => {
  it('leave the diagnostics a fresh server gives', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(edit, where), { minLength: 1, maxLength: 6 }), fc.subarray([0, 3, 6, 8]), async (edits, opened) => {
        const { dir, files } = project();
        const model = new WorkspaceModel([dir]);
        model.setSqlParser(sql);
        await model.rediscover();
        const client = new Client();
        const open = new Map<string, string>();
        for (const i of opened) {
          open.set(files[i]!, readFileSync(files[i]!, 'utf8'));
          model.setText(files[i]!, open.get(files[i]!));
        }
        settle(model, client);
        for (const [e, at] of edits) {
          const file = files[e.file]!;
          if (at === 'buffer' || open.has(file)) {
            open.set(file, apply(open.get(file) ?? readFileSync(file, 'utf8'), e));
            model.setText(file, open.get(file));
          } else {
            writeFileSync(file, apply(readFileSync(file, 'utf8'), e));
            model.setText(file, undefined);
          }
          settle(model, client);
          expect(client.held).toEqual(await fresh(dir, open));
        }
      }),
      { numRuns: 40 },
    );
  });
});
