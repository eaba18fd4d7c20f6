import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRevisionFile } from '../../../server/src/core/parse';
import type { RevisionHeader } from '../../../server/src/core/revisionHeader';
import { decodePythonSource } from '../../../server/src/core/scan/decode';
import { scanRevisionHeader } from '../../../server/src/core/scan/headerScanner';
import { historyArb, revisionSource } from '../../parity/historyGen';

/**
 * The graph is built from the fast scanner and the editor features from the full parser; both
 * must read every file the same way. Files Python cannot parse are left out: there the two
 * recover differently, and both report the problem.
 */

const repo = path.resolve(__dirname, '../../..');

function headerFields(h: RevisionHeader): unknown {
  return {
    revision: h.revision,
    downRevision: h.downRevision,
    branchLabels: h.branchLabels,
    dependsOn: h.dependsOn,
    docstring: h.docstring,
    docstringRange: h.docstringRange,
    headers: h.headers,
  };
}

function agree(file: string, text: string): void {
  const parsed = parseRevisionFile(file, text);
  if (parsed.problems.some((p) => p.code === 'python-syntax')) return;
  const scanned = scanRevisionHeader(file, parsed.text);
  expect(headerFields(scanned), file).toEqual(headerFields(parsed));
}

function pythonFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.py'))
    .map((f) => path.join(dir, f));
}

describe('scanner and parser agree', () => {
  const files = [
    ...pythonFilesUnder(path.join(repo, 'test/fixtures/revision-files')),
    ...pythonFilesUnder(path.join(repo, 'migrations-sample/alembic/versions')),
  ];

  it.each(files.map((f) => [path.relative(repo, f), f]))('on %s', (_name, file) => {
    agree(file, decodePythonSource(readFileSync(file)).text);
  });

  it('on generated revision files', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        for (const r of h.revisions) agree(`/v/${r.fileName}`, revisionSource(r));
      }),
      { numRuns: 200 },
    );
  });

  const spacing = fc.constantFrom('', ' ', '  ', '\t');
  const stringLit = fc
    .tuple(fc.constantFrom('', 'r', 'u', 'R', 'f', 'b'), fc.constantFrom('"', "'", '"""', "'''"), fc.stringMatching(/^[a-z0-9_]{0,8}$/))
    .map(([prefix, q, body]) => `${prefix}${q}${body}${q}`);
  const value = fc.oneof(
    stringLit,
    fc.constant('None'),
    fc.array(stringLit, { maxLength: 3 }).map((xs) => `(${xs.join(', ')}${xs.length === 1 ? ',' : ''})`),
    fc.array(stringLit, { maxLength: 3 }).map((xs) => `[${xs.join(',\n    ')}]`),
    fc.tuple(stringLit, stringLit).map(([a, b]) => `${a} ${b}`),
    fc.constantFrom('cli.BRANCH', '(x,)', 'make()', '("a", None)', '"a" \\\n    "b"'),
  );
  const name = fc.constantFrom('revision', 'down_revision', 'branch_labels', 'depends_on', 'other');
  const statement = fc.oneof(
    fc.tuple(name, spacing, value, fc.constantFrom('', '  # note')).map(([n, s, v, c]) => `${n}${s}=${s}${v}${c}`),
    fc.tuple(name, value).map(([n, v]) => `${n}: Union[str, Sequence[str], None] = ${v}`),
    fc.tuple(name, name, value).map(([a, b, v]) => `${a} = ${b} = ${v}`),
    fc.tuple(name, value, name, value).map(([a, v, b, w]) => `${a} = ${v}; ${b} = ${w}`),
    fc.constantFrom('def upgrade():\n    op.execute("""\nrevision = \'inside\'\n""")', 'if False:\n    revision = "no"', 'import os', '# revision = "comment"'),
  );
  const docstring = fc.oneof(
    fc.constant(''),
    fc.tuple(fc.constantFrom('"""', "'''", 'r"""'), fc.constantFrom('', ' ')).map(
      ([q, s]) => `${q}message\n\nRevision ID:${s}abc\nRevises: x, y\nCreate Date: 2024-01-01\n\n${q.slice(-3)}\n`,
    ),
    fc.constant('"""Revision ID: first line\\tescaped\n"""\n'),
  );

  it('on generated module layouts', () => {
    fc.assert(
      fc.property(docstring, fc.array(statement, { maxLength: 8 }), (doc, statements) => {
        agree('/v/gen.py', `${doc}${statements.join('\n')}\n`);
      }),
      { numRuns: 1000 },
    );
  });
});
