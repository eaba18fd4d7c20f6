// Generates a large, deterministic Alembic history for the benchmark: revision files that look
// like the ones a long-lived PostgreSQL project accumulates (about 4 KB each), with feature
// branches and merges, one long-lived labelled independent branch, cross-branch dependencies
// and one unmerged feature branch at the end, so the scanner and the graph code see the same
// shapes they meet in real projects.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Bumped whenever the generated text changes, so that a cached history is rebuilt. */
const GENERATOR_VERSION = 5;

/** Written last into a finished history; a folder without it is incomplete and rebuilt. */
const MARKER = 'bench-history.json';

/** The smallest history for which the shape below (branches, merges, labels) makes sense. */
export const MIN_REVISIONS = 50;

/** Where generated histories are cached: outside the repository, reused across runs. */
export function benchCacheRoot() {
  return process.env.ALEMBIC_PILOT_BENCH_CACHE ?? path.join(os.tmpdir(), 'alembic-pilot-bench');
}

/**
 * A small seeded generator (mulberry32): the same seed gives the same history on every machine
 * and Node version, which Math.random cannot promise.
 * @param {number} seed
 */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOUNS = [
  'account', 'invoice', 'payment', 'order', 'customer', 'session', 'event', 'product', 'inventory',
  'shipment', 'coupon', 'subscription', 'webhook', 'report', 'tenant', 'audit', 'notification',
  'document', 'comment', 'tag', 'job', 'schedule', 'warehouse', 'refund', 'ledger', 'address',
];
const VERBS = ['add', 'create', 'backfill', 'index', 'track', 'split', 'widen', 'rename', 'extend', 'archive'];
const COLUMN_TYPES = [
  'sa.Text()',
  'sa.String(length=255)',
  'sa.Integer()',
  'sa.BigInteger()',
  'sa.Boolean()',
  'sa.DateTime(timezone=True)',
  'postgresql.JSONB(astext_type=sa.Text())',
  'postgresql.UUID(as_uuid=True)',
  'sa.Numeric(precision=12, scale=2)',
];
const COLUMN_NAMES = [
  'name', 'status', 'amount', 'currency', 'external_ref', 'notes', 'payload', 'owner_id', 'kind',
  'priority', 'attempts', 'is_active', 'expires_at', 'processed_at', 'checksum', 'locale', 'source',
];

/**
 * Describes the revisions in creation order. Each item says which revisions it revises and
 * what it is (a schema change, a merge, the base of the labelled branch); the text comes later.
 * @param {number} count
 */
function planHistory(count) {
  const random = prng(20250114);
  /** @type {{ id: string, down: string[], labels: string[], dependsOn: string[], kind: 'change' | 'merge' }[]} */
  const plan = [];
  const used = new Set();
  const newId = () => {
    // Hashing the index keeps ids stable when the plan's random choices change elsewhere.
    const id = createHash('sha256').update(`alembic-pilot-bench:${plan.length}`).digest('hex').slice(0, 12);
    if (used.has(id)) throw new Error(`Duplicate generated revision id ${id}; change the hash salt.`);
    used.add(id);
    return id;
  };
  const add = (/** @type {string[]} */ down, kind = /** @type {'change' | 'merge'} */ ('change'), labels = [], dependsOn = []) => {
    const id = newId();
    plan.push({ id, down, labels, dependsOn, kind });
    return id;
  };

  let trunk = add([]);
  /** Feature branches that are open at the moment, each merged back after a while. */
  /** @type {{ tip: string, mergeAt: number }[]} */
  const side = [];
  let analytics = /** @type {string | undefined} */ (undefined);
  const analyticsStart = Math.floor(count * 0.15);
  // The last few revisions are reserved for merging every open branch (at most three), opening
  // one final feature branch that stays unmerged, and one more trunk revision after it.
  const reserve = 5;

  while (plan.length < count - reserve) {
    const r = random();
    if (analytics === undefined && plan.length >= analyticsStart) {
      analytics = add([], 'change', ['analytics']);
    } else if (analytics !== undefined && r < 0.05) {
      // Analytics views sometimes need a table of the main schema, which Alembic expresses with
      // depends_on rather than by merging the two independent branches.
      analytics = add([analytics], 'change', [], random() < 0.3 ? [trunk] : []);
    } else if (r < 0.07 && side.length < 3) {
      side.push({ tip: add([trunk]), mergeAt: plan.length + 3 + Math.floor(random() * 150) });
    } else if (side.length > 0 && side[0].mergeAt <= plan.length && r < 0.5) {
      const branch = side.shift();
      trunk = add([trunk, branch.tip], 'merge');
    } else if (side.length > 0 && r < 0.25) {
      const branch = side[Math.floor(random() * side.length)];
      branch.tip = add([branch.tip]);
    } else {
      trunk = add([trunk]);
    }
  }
  while (side.length > 0) trunk = add([trunk, side.shift().tip], 'merge');
  const openBranch = add([trunk]);
  while (plan.length < count) trunk = add([trunk]);

  const heads = [trunk, openBranch, ...(analytics === undefined ? [] : [analytics])].sort();
  return { plan, heads };
}

/**
 * Python's repr of a down_revision/branch_labels/depends_on value as Alembic's template writes it.
 * @param {string[]} values
 * @param {string} quote
 */
function pyValue(values, quote) {
  if (values.length === 0) return 'None';
  if (values.length === 1) return `${quote}${values[0]}${quote}`;
  return `(${values.map((v) => `${quote}${v}${quote}`).join(', ')})`;
}

/**
 * The text of one schema-change revision: a create_table, an add_column, indexes and raw SQL
 * whose lines start at column 0, as hand-edited migrations often have.
 * @param {() => number} random
 * @param {number} index
 */
function changeBody(random, index) {
  const pick = (/** @type {readonly string[]} */ list) => list[Math.floor(random() * list.length)];
  const noun = pick(NOUNS);
  const table = `${noun}_${index.toString().padStart(5, '0')}`;
  const previous = `${pick(NOUNS)}_${Math.max(0, index - 1 - Math.floor(random() * 50)).toString().padStart(5, '0')}`;
  const columns = [];
  const columnCount = 8 + Math.floor(random() * 7);
  for (let c = 0; c < columnCount; c++) {
    const name = `${pick(COLUMN_NAMES)}_${c}`;
    columns.push(`        sa.Column("${name}", ${pick(COLUMN_TYPES)}, nullable=${random() < 0.5 ? 'True' : 'False'}),`);
  }
  const extra = `${pick(COLUMN_NAMES)}_extra`;
  const upgrade = `    op.create_table(
        "${table}",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
${columns.join('\n')}
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("${previous}_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["${previous}_id"],
            ["${previous}.id"],
            name="fk_${table}_${previous}_id_${previous}",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("${previous}_id", "created_at", name="uq_${table}_${previous}_id"),
        sa.PrimaryKeyConstraint("id", name="pk_${table}"),
    )
    # The old column was too short for the values the importer sends since the last release.
    op.alter_column(
        "${previous}",
        "status",
        existing_type=sa.String(length=64),
        type_=sa.Text(),
        existing_nullable=True,
    )
    op.add_column("${previous}", sa.Column("${extra}", sa.Text(), nullable=True))
    op.create_index("ix_${table}_created_at", "${table}", ["created_at"], unique=False)
    op.create_index(
        "ix_${previous}_${extra}", "${previous}", ["${extra}"], unique=False
    )
    op.execute(
        """
CREATE OR REPLACE FUNCTION ${table}_touch() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ${table}_touch
BEFORE UPDATE ON ${table}
FOR EACH ROW EXECUTE FUNCTION ${table}_touch();
"""
    )
    op.execute("""
UPDATE ${previous}
SET ${extra} = 'migrated'
WHERE ${extra} IS NULL;

CREATE OR REPLACE VIEW ${table}_recent AS
SELECT t.id, t.created_at, p.${extra}
FROM ${table} AS t
JOIN ${previous} AS p ON p.id = t.${previous}_id
WHERE t.created_at > now() - interval '30 days';
""")`;
  const downgrade = `    op.execute("DROP VIEW IF EXISTS ${table}_recent")
    op.execute("DROP TRIGGER IF EXISTS ${table}_touch ON ${table}")
    op.execute("DROP FUNCTION IF EXISTS ${table}_touch()")
    op.drop_index("ix_${previous}_${extra}", table_name="${previous}")
    op.drop_column("${previous}", "${extra}")
    op.alter_column(
        "${previous}",
        "status",
        existing_type=sa.Text(),
        type_=sa.String(length=64),
        existing_nullable=True,
    )
    op.drop_index("ix_${table}_created_at", table_name="${table}")
    op.drop_table("${table}")`;
  return { message: `${pick(VERBS)} ${noun} ${table}`, upgrade, downgrade };
}

/**
 * One revision file. The oldest fifth uses the pre-1.13 template (untyped assignments, single
 * quotes), as a project started years ago still has; the rest uses Alembic 1.20's template.
 * @param {{ id: string, down: string[], labels: string[], dependsOn: string[], kind: string }} rev
 * @param {number} index
 * @param {number} count
 * @param {() => number} random
 */
function revisionText(rev, index, count, random) {
  const legacy = index < count / 5;
  // One revision every 17 minutes from the start of 2019, formatted as Alembic's Create Date.
  const date = new Date(Date.UTC(2019, 0, 1) + index * 17 * 60_000 + Math.floor(random() * 60_000));
  const createDate = `${date.toISOString().replace('T', ' ').replace('Z', '')}123`;
  const body =
    rev.kind === 'merge'
      ? { message: 'merge heads', upgrade: '    pass', downgrade: '    pass' }
      : changeBody(random, index);
  const q = legacy ? "'" : '"';
  const assignments = legacy
    ? `revision = ${q}${rev.id}${q}
down_revision = ${pyValue(rev.down, q)}
branch_labels = ${pyValue(rev.labels, q)}
depends_on = ${pyValue(rev.dependsOn, q)}`
    : `revision: str = ${q}${rev.id}${q}
down_revision: Union[str, Sequence[str], None] = ${pyValue(rev.down, q)}
branch_labels: Union[str, Sequence[str], None] = ${pyValue(rev.labels, q)}
depends_on: Union[str, Sequence[str], None] = ${pyValue(rev.dependsOn, q)}`;
  const imports = legacy
    ? `from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql`
    : `from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql`;
  const annotation = legacy ? '' : ' -> None';
  const text = `"""${body.message}

Revision ID: ${rev.id}
Revises: ${rev.down.join(', ')}
Create Date: ${createDate}

"""
${imports}

# revision identifiers, used by Alembic.
${assignments}


def upgrade()${annotation}:
    """Upgrade schema."""
${body.upgrade}


def downgrade()${annotation}:
    """Downgrade schema."""
${body.downgrade}
`;
  const slug = body.message.replace(/[^a-z0-9]+/gi, '_').toLowerCase().slice(0, 40);
  return { file: `${rev.id}_${slug}.py`, text };
}

const ALEMBIC_INI = `# Generated by bench/history.mjs for the Alembic Pilot benchmark.
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
`;

// `alembic heads` never runs env.py, but a real environment has one, so the folder has one too.
const ENV_PY = `from alembic import context

target_metadata = None

if context.is_offline_mode():
    context.configure(url="postgresql://", target_metadata=target_metadata, literal_binds=True)
else:
    raise RuntimeError("The benchmark history is only read, never run against a database.")

with context.begin_transaction():
    context.run_migrations()
`;

/**
 * @typedef {object} History
 * @property {string} dir        the folder holding alembic.ini
 * @property {string} ini        the alembic.ini
 * @property {string} versions   the versions folder
 * @property {number} revisions  how many revision files
 * @property {number} bytes      their total size
 * @property {string[]} heads    the heads, sorted, as the generator planned them
 * @property {number} merges     how many merge revisions
 * @property {boolean} generated whether this call wrote the files (false: reused from the cache)
 */

/**
 * Returns the cached history of `count` revisions, generating it first when it is missing,
 * incomplete or from an older generator. It is written into a temporary folder and renamed,
 * so an interrupted run or a concurrent one never leaves a half-written history in place.
 * @param {number} count
 * @returns {History}
 */
export function ensureHistory(count) {
  if (!Number.isInteger(count) || count < MIN_REVISIONS) {
    throw new Error(`The benchmark needs at least ${MIN_REVISIONS} revisions, not ${count}.`);
  }
  const root = benchCacheRoot();
  const dir = path.join(root, `history-${count}`);
  const describe = (/** @type {boolean} */ generated) => {
    const meta = JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8'));
    return {
      dir,
      ini: path.join(dir, 'alembic.ini'),
      versions: path.join(dir, 'migrations', 'versions'),
      revisions: meta.revisions,
      bytes: meta.bytes,
      heads: meta.heads,
      merges: meta.merges,
      generated,
    };
  };
  if (isComplete(dir, count)) return describe(false);

  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const versions = path.join(staging, 'migrations', 'versions');
  mkdirSync(versions, { recursive: true });
  writeFileSync(path.join(staging, 'alembic.ini'), ALEMBIC_INI);
  writeFileSync(path.join(staging, 'migrations', 'env.py'), ENV_PY);

  const { plan, heads } = planHistory(count);
  const random = prng(42);
  let bytes = 0;
  plan.forEach((rev, index) => {
    const { file, text } = revisionText(rev, index, count, random);
    writeFileSync(path.join(versions, file), text);
    bytes += Buffer.byteLength(text);
  });
  const merges = plan.filter((rev) => rev.kind === 'merge').length;
  writeFileSync(
    path.join(staging, MARKER),
    JSON.stringify({ generator: GENERATOR_VERSION, revisions: count, bytes, heads, merges }, null, 2),
  );

  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(staging, dir);
  } catch (error) {
    // A concurrent run may have renamed its own copy into place first; that copy is as good.
    rmSync(staging, { recursive: true, force: true });
    if (!isComplete(dir, count)) throw error;
    return describe(false);
  }
  return describe(true);
}

/**
 * @param {string} dir
 * @param {number} count
 */
function isComplete(dir, count) {
  const marker = path.join(dir, MARKER);
  if (!existsSync(marker)) return false;
  try {
    const meta = JSON.parse(readFileSync(marker, 'utf8'));
    if (meta.generator !== GENERATOR_VERSION || meta.revisions !== count) return false;
    const files = readdirSync(path.join(dir, 'migrations', 'versions')).filter((name) => name.endsWith('.py'));
    return files.length === count;
  } catch {
    return false;
  }
}
