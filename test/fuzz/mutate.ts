import fc from 'fast-check';

/**
 * Inputs for the fuzzer: a seed file (or random bytes, or random tokens) followed by a list of
 * mutations. A case is plain data, so fast-check can shrink a failing one to the few mutations
 * that matter, and print it.
 *
 * The mutations aim at what breaks readers of Python, SQL, ini, TOML and Mako: truncation,
 * unbalanced quotes and brackets, huge lines, deep nesting, NUL bytes, invalid UTF-8, byte-order
 * marks, CRLF and lone CR, tabs, Python 2 syntax, and splices of other files.
 */

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Byte sequences that no UTF-8 decoder accepts, or that decode to something surprising. */
const RAW: readonly Uint8Array[] = [
  Uint8Array.of(0x00),
  Uint8Array.of(0xff),
  Uint8Array.of(0xfe, 0xff),
  Uint8Array.of(0xc3),
  Uint8Array.of(0xe2, 0x82),
  Uint8Array.of(0xf0, 0x9f, 0x98),
  Uint8Array.of(0xed, 0xa0, 0x80),
  Uint8Array.of(0xc0, 0xaf),
  Uint8Array.of(0xef, 0xbb, 0xbf),
  Uint8Array.of(0x80),
];

/** Text tokens: syntax of every language the entry points read, broken on purpose. */
const TEXT_TOKENS: readonly string[] = [
  // Quotes and brackets, balanced or not.
  '"', "'", '"""', "'''", '(', ')', '[', ']', '{', '}', '\\', '\\\n', '#', ':', ',', '=', ';', '.',
  // Line ends, tabs and odd whitespace.
  '\n', '\r\n', '\r', '\t', '\f', '\v', '\u2028', '\u00a0', '\uFEFF', ' ',
  // Python, 3 and 2.
  'def upgrade():\n', 'def downgrade():\n', '    ', 'async def upgrade():\n', 'pass\n', '...', 'return\n',
  'op.execute(', 'op.add_column(', 'op.create_table(', 'op.create_index(', 'op.drop_table(', 'sa.text(', 'text(',
  'op.get_bind()', 'conn.execute(', 'with op.batch_alter_table("t") as batch_op:\n', 'batch_op.drop_column("c")',
  'with op.get_context().autocommit_block():\n', 'revision = ', 'down_revision = ', 'branch_labels = ', 'depends_on = ',
  '("a", "b")', 'None', 'f"{x}"', 'r"\\d"', 'b"x"', 'u"x"', 'rb"x"', '"%s" % x', '.format(y)', ' + ', 'lambda: 0',
  'print "x"\n', 'except Exception, e:\n', 'exec "code"\n', '`x`', '0777', 'ur"x"', '<>', 'raise E, "m"\n',
  '# -*- coding: latin-1 -*-\n', '# coding: bogus-codec\n', '"\\N{EM DASH}"', '"\\x', '"\\u12', 'é', '😀', '\ufffd',
  '# alembic-pilot: ignore[', 'if_not_exists=True', 'postgresql_concurrently=True', 'nullable=False',
  // SQL.
  'CREATE TABLE t (id int)', 'CREATE INDEX CONCURRENTLY ix ON t (a)', 'ALTER TABLE t ADD COLUMN c int NOT NULL', 'DROP TABLE t',
  'DO $$ BEGIN ', ' END $$;', '$$', '$tag$', "E'\\''", '--', '/*', '*/', ':name', ':name::int', '%(x)s', '%s', ';',
  'INSERT INTO t VALUES (1)', 'ON CONFLICT DO NOTHING', 'CREATE TYPE e AS ENUM (', 'SELECT pg_sleep(1)',
  // ini, TOML and Mako.
  '[alembic]\n', '[DEFAULT]\n', '[tool.alembic]\n', '[[tool.alembic.post_write_hooks]]\n', 'script_location = ',
  'version_locations = ', 'path_separator = os\n', 'recursive_version_locations = true\n', 'file_template = ',
  '%(here)s', '%(', '%%', '%', '"""\n', '= [', 'x = 1e999', 'x = 0x', '${', '${up_revision}', '${message | n}',
  '% if x:\n', '% endif\n', '% for x in y:\n', '% endfor\n', '<%', '%>', '<%!', '<%doc>', '</%doc>', '<%text>', '##',
  '${comma,n}', '${repr(x)}', '${imports if imports else ""}', '${"a" * 3}', '${x.', '${(', '${context.get("x")}',
];

const TOKENS: readonly Uint8Array[] = [...RAW, ...TEXT_TOKENS.map(utf8)];

/** One edit of the bytes; positions are taken modulo the length when applied. */
export type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'delete'; at: number; length: number }
  | { op: 'insert'; at: number; token: number; times: number }
  | { op: 'duplicate'; at: number; length: number; to: number }
  | { op: 'splice'; other: number; from: number; length: number; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'crlf' }
  | { op: 'cr' }
  | { op: 'tabs' }
  | { op: 'bom' }
  | { op: 'hugeLine'; at: number; token: number; length: number }
  | { op: 'nest'; at: number; open: number; depth: number };

const NESTERS = ['(', '[', '{', '${(', '"""', '%(', 'op.execute(', '[[', 'f"{'];

const at = fc.nat();

/**
 * Sizes spread evenly over their orders of magnitude: most huge lines and deep nests are
 * thousands long, some reach the maximum, and the run does not spend its time on the largest.
 */
const logUniform = (min: number, max: number): fc.Arbitrary<number> =>
  fc.integer({ min: 0, max: 1_000 }).map((k) => Math.round(min * (max / min) ** (k / 1_000)));
const mutationArbitrary = (hugeLineMax: number): fc.Arbitrary<Mutation> => fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('insert' as const), at, token: fc.nat(TOKENS.length - 1), times: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 400 }), to: at }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('splice' as const), other: fc.nat(), from: at, length: fc.integer({ min: 1, max: 600 }), at }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('flip' as const), at, bit: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'crlf' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'cr' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'tabs' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'bom' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('hugeLine' as const), at, token: fc.nat(TOKENS.length - 1), length: logUniform(1_000, hugeLineMax) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), at, open: fc.nat(NESTERS.length - 1), depth: logUniform(10, 5_000) }) },
);

/** Where a case's bytes start from. */
export type Origin = { kind: 'seed'; index: number } | { kind: 'bytes'; bytes: Uint8Array } | { kind: 'tokens'; tokens: number[] };

export interface Case {
  origin: Origin;
  mutations: Mutation[];
  /**
   * Where to put a lone surrogate into the decoded text, for readers of text: no decoder makes
   * one from bytes, but an editor buffer sent over LSP can hold one.
   */
  loneSurrogate: number | null;
}

/**
 * Cases over seeds of one kind: mostly mutated seeds, some random bytes, some token soup.
 * `hugeLineMax` bounds the huge-line mutation: 200,000 characters in the long run; a short run
 * in the test suite keeps it lower, because lezer's error recovery on a line of 200,000
 * characters of operator soup takes seconds, and the suite must not depend on machine load.
 */
export function caseArbitrary(seedCount: number, hugeLineMax = 200_000): fc.Arbitrary<Case> {
  const mutation = mutationArbitrary(hugeLineMax);
  const origins: fc.Arbitrary<Origin>[] = [
    fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 3_000 }) }),
    fc.record({ kind: fc.constant('tokens' as const), tokens: fc.array(fc.nat(TOKENS.length - 1), { maxLength: 120 }) }),
  ];
  const origin =
    seedCount > 0
      ? fc.oneof({ weight: 6, arbitrary: fc.record({ kind: fc.constant('seed' as const), index: fc.nat(seedCount - 1) }) }, ...origins.map((arbitrary) => ({ weight: 1, arbitrary })))
      : fc.oneof(...origins);
  return fc.record({
    origin,
    mutations: fc.array(mutation, { maxLength: 8 }),
    loneSurrogate: fc.option(fc.nat(), { freq: 20 }),
  });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function replaceAll(bytes: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  return new Uint8Array(Buffer.from(text.split(Buffer.from(from).toString('latin1')).join(Buffer.from(to).toString('latin1')), 'latin1'));
}

/** Applies one mutation; `seeds` provides the other files to splice from. */
function apply(bytes: Uint8Array, m: Mutation, seeds: readonly Uint8Array[]): Uint8Array {
  const n = bytes.length;
  const pos = (p: number): number => (n === 0 ? 0 : p % (n + 1));
  switch (m.op) {
    case 'truncate':
      return bytes.subarray(0, pos(m.at));
    case 'delete': {
      const start = pos(m.at);
      return concat([bytes.subarray(0, start), bytes.subarray(Math.min(n, start + m.length))]);
    }
    case 'insert': {
      const start = pos(m.at);
      const token = TOKENS[m.token % TOKENS.length]!;
      return concat([bytes.subarray(0, start), ...Array<Uint8Array>(m.times).fill(token), bytes.subarray(start)]);
    }
    case 'duplicate': {
      const start = pos(m.at);
      const piece = bytes.subarray(start, Math.min(n, start + m.length));
      const to = pos(m.to);
      return concat([bytes.subarray(0, to), piece, bytes.subarray(to)]);
    }
    case 'splice': {
      const other = seeds.length > 0 ? seeds[m.other % seeds.length]! : bytes;
      const from = other.length === 0 ? 0 : m.from % other.length;
      const start = pos(m.at);
      return concat([bytes.subarray(0, start), other.subarray(from, Math.min(other.length, from + m.length)), bytes.subarray(start)]);
    }
    case 'flip': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n]! ^= 1 << m.bit;
      return out;
    }
    case 'crlf':
      return replaceAll(bytes, utf8('\n'), utf8('\r\n'));
    case 'cr':
      return replaceAll(bytes, utf8('\n'), utf8('\r'));
    case 'tabs':
      return replaceAll(bytes, utf8('    '), utf8('\t'));
    case 'bom':
      return concat([Uint8Array.of(0xef, 0xbb, 0xbf), bytes]);
    case 'hugeLine': {
      const start = pos(m.at);
      const token = TOKENS[m.token % TOKENS.length]!;
      const repeat = Math.max(1, Math.floor(m.length / Math.max(1, token.length)));
      return concat([bytes.subarray(0, start), ...Array<Uint8Array>(repeat).fill(token), bytes.subarray(start)]);
    }
    case 'nest': {
      const start = pos(m.at);
      const open = utf8(NESTERS[m.open % NESTERS.length]!);
      return concat([bytes.subarray(0, start), ...Array<Uint8Array>(m.depth).fill(open), bytes.subarray(start)]);
    }
  }
}

/** The bytes of a case. */
export function materialize(c: Case, seeds: readonly Uint8Array[]): Uint8Array {
  let bytes: Uint8Array;
  if (c.origin.kind === 'seed') bytes = seeds[c.origin.index % seeds.length] ?? new Uint8Array();
  else if (c.origin.kind === 'bytes') bytes = c.origin.bytes;
  else bytes = concat(c.origin.tokens.map((t) => TOKENS[t % TOKENS.length]!));
  for (const m of c.mutations) bytes = apply(bytes, m, seeds);
  return bytes;
}

/** The text a reader of decoded text gets: `decoded` with the case's lone surrogate, if any. */
export function withLoneSurrogate(c: Case, decoded: string): string {
  if (c.loneSurrogate === null) return decoded;
  const at = c.loneSurrogate % (decoded.length + 1);
  return `${decoded.slice(0, at)}\ud800${decoded.slice(at)}`;
}

/** A short description of a case for reports: where it started and what was done to it. */
export function describeCase(c: Case): string {
  const origin = c.origin.kind === 'seed' ? `seed #${c.origin.index}` : c.origin.kind === 'bytes' ? `${c.origin.bytes.length} random bytes` : `${c.origin.tokens.length} random tokens`;
  return `${origin}; ${c.mutations.map((m) => m.op).join(', ') || 'unmutated'}`;
}
