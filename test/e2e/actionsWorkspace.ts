import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { createDatabase, dropDatabase, withClient } from '../helpers/postgres';
import { alembic } from './sample';
import type { SampleWorkspace } from './workspace';

/**
 * The workspace of the actions session (actions.e2e.ts): the sample with three named databases
 * at different revisions (dev at 002, staging at the heads, prod at the heads and marked
 * production), a short polling interval, and an env.py that gives autogenerate a MetaData, as
 * a project that describes some tables in models does. Revisions that sleep or fail are
 * written by the flows that need them and removed afterwards.
 */

export const REFRESH_SECONDS = 3;

export interface ActionsDatabases {
  dev: string;
  staging: string;
  prod: string;
}

/** A model module the temporary env.py imports: one table the database does not have yet. */
const MODELS = `"""Tables described in code, for autogenerate (written by the e2e test)."""
from sqlalchemy import Column, Integer, MetaData, String, Table

metadata = MetaData()

orders = Table(
    "e2e_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("note", String(200), nullable=False),
)
`;

/** env.py with target_metadata, and the tables the models do not describe left to hand-written migrations. */
export function withMetadata(envPy: string): string {
  const before = 'target_metadata = None\n';
  const configure = 'context.configure(connection=connection, target_metadata=target_metadata)';
  if (!envPy.includes(before) || !envPy.includes(configure)) throw new Error('The sample env.py changed: update withMetadata().');
  return envPy
    .replace(
      before,
      'from models import metadata as target_metadata  # noqa: E402\n\n\n' +
        'def include_object(obj, name, type_, reflected, compare_to):\n' +
        '    """Tables the models do not describe belong to the hand-written migrations."""\n' +
        '    return not (type_ == "table" and reflected and compare_to is None)\n',
    )
    .replace(configure, 'context.configure(connection=connection, target_metadata=target_metadata, include_object=include_object)');
}

/** A revision after `parent` whose upgrade creates a table and then runs `sql`. */
export function revisionFile(id: string, parent: string, message: string, table: string, sql: string): { name: string; text: string } {
  const slug = message.replace(/\W+/g, '_');
  return {
    name: `2025_06_01_1200-${id}_${slug}.py`,
    text: `"""${message}

Revision ID: ${id}
Revises: ${parent}
Create Date: 2025-06-01 12:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "${id}"
down_revision: Union[str, Sequence[str], None] = "${parent}"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("${table}", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("${sql}")


def downgrade() -> None:
    op.drop_table("${table}")
`,
  };
}

/** script.py.mako with a module-level import, which is Mako beyond Alembic Pilot's subset. */
export function makoBeyondSubset(template: string): string {
  const anchor = 'from alembic import op\n';
  if (!template.includes(anchor)) throw new Error('The sample script.py.mako changed: update makoBeyondSubset().');
  return `<%! import datetime %>${template.replace(anchor, `${anchor}# Template year: \${datetime.date.today().year}\n`)}`;
}

function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}

/** Creates staging and prod, names the three databases in the folder's settings, and migrates them. */
export async function prepareActions(ws: SampleWorkspace, dbs: Partial<ActionsDatabases>): Promise<() => Promise<void>> {
  const admin = inject('databaseUrl');
  const base = new URL(ws.databaseUrl).pathname.slice(1);
  const names = { staging: `${base}_staging`, prod: `${base}_prod` };
  dbs.dev = ws.databaseUrl;
  dbs.staging = await createDatabase(admin, names.staging);
  dbs.prod = await createDatabase(admin, names.prod);
  const settingsFile = path.join(ws.folder, '.vscode', 'settings.json');
  const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
  settings['alembicPilot.databases'] = [
    { name: 'dev', url: withoutPassword(dbs.dev) },
    { name: 'staging', url: withoutPassword(dbs.staging) },
    { name: 'prod', url: withoutPassword(dbs.prod), production: true },
  ];
  settings['alembicPilot.refreshIntervalSeconds'] = REFRESH_SECONDS;
  writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  await fs.writeFile(path.join(ws.folder, 'models.py'), MODELS);
  const envPy = path.join(ws.folder, 'alembic', 'env.py');
  await fs.writeFile(envPy, withMetadata(await fs.readFile(envPy, 'utf8')));
  await alembic(ws.folder, dbs.dev, 'upgrade', '002');
  await alembic(ws.folder, dbs.staging, 'upgrade', 'heads');
  await alembic(ws.folder, dbs.prod, 'upgrade', 'heads');
  return async () => {
    await dropDatabase(admin, names.staging).catch(() => undefined);
    await dropDatabase(admin, names.prod).catch(() => undefined);
  };
}

/** Sessions on a database that a run of ours opened (PGAPPNAME alembic-pilot-run-*), with what they run. */
export function runSessions(databaseUrl: string): Promise<{ pid: number; state: string; query: string }[]> {
  const name = new URL(databaseUrl).pathname.slice(1);
  return withClient(inject('databaseUrl'), async (c) =>
    (
      await c.query<{ pid: number; state: string; query: string }>(
        "SELECT pid, coalesce(state, '') AS state, query FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'alembic-pilot-run-%'",
        [name],
      )
    ).rows,
  );
}

/** Every table and view outside the system schemas, as schema.name. */
export function userRelations(databaseUrl: string): Promise<string[]> {
  return withClient(databaseUrl, async (c) =>
    (
      await c.query<{ name: string }>(
        `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'v', 'm', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
          ORDER BY 1`,
      )
    ).rows.map((r) => r.name),
  );
}

/** The version table's rows of any database, sorted; empty when the table does not exist. */
export function versionRowsOf(databaseUrl: string): Promise<string[]> {
  return withClient(databaseUrl, async (c) => {
    const exists = await c.query<{ t: string | null }>("SELECT to_regclass('alembic_version')::text AS t");
    if (exists.rows[0]?.t == null) return [];
    return (await c.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((r) => r.version_num).sort();
  });
}
