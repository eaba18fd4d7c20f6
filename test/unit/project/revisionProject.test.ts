import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RevisionProject } from '../../../server/src/core/project/revisionProject';
import type { RevisionHeader } from '../../../server/src/core/revisionHeader';
import { scanRevisionHeader } from '../../../server/src/core/scan/headerScanner';

/** The project model reads each file once and rebuilds the graph from what it already read. */

let dir: string;
let reads: string[];

function countingReader(file: string, text: string): RevisionHeader {
  reads.push(path.basename(file));
  return scanRevisionHeader(file, text);
}

function write(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, body);
  return file;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alembic-pilot-project-'));
  mkdirSync(dir, { recursive: true });
  reads = [];
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('RevisionProject', () => {
  it('rebuilds the graph after an edit as a fresh project builds it, though the other nodes are reused', () => {
    const a = write('a.py', 'revision = "a"\ndown_revision = None\nbranch_labels = ("main",)\n');
    const b = write('b.py', 'revision = "b"\ndown_revision = "a"\n');
    const c = write('c.py', 'revision = "c"\ndown_revision = "b"\ndepends_on = "b"\n');
    const project = new RevisionProject(countingReader);
    project.loadFromDisk([a, b, c]);
    expect(project.script.getHeads()).toEqual(['c']);
    project.updateFile(c, 'revision = "c"\ndown_revision = "a"\n');
    const fresh = new RevisionProject();
    fresh.loadFromDisk([a, b, c]);
    writeFileSync(c, 'revision = "c"\ndown_revision = "a"\n');
    fresh.loadFromDisk([a, b, c]);
    const view = (p: RevisionProject): unknown =>
      [...p.script.map.revisions.values()].map((r) => ({ id: r.revision, next: [...r.nextrev], all: [...r.allNextrev], labels: [...r.branchLabels], head: r.isHead }));
    expect(view(project)).toEqual(view(fresh));
    expect(project.script.getHeads().sort()).toEqual(['b', 'c']);
  });

  it('re-reads only the edited file and updates the graph', () => {
    const a = write('a.py', 'revision = "a"\ndown_revision = None\n');
    const b = write('b.py', 'revision = "b"\ndown_revision = "a"\n');
    const c = write('c.py', 'revision = "c"\ndown_revision = "b"\n');
    const project = new RevisionProject(countingReader);
    project.loadFromDisk([a, b, c]);
    expect(project.script.getHeads()).toEqual(['c']);
    reads = [];

    project.updateFile(c, 'revision = "c"\ndown_revision = "a"\n');
    expect(reads).toEqual(['c.py']);
    expect([...project.script.getHeads()].sort()).toEqual(['b', 'c']);
  });

  it('reports a problem that an edit introduces, and drops it when the edit is undone', () => {
    const a = write('a.py', 'revision = "a"\ndown_revision = None\n');
    const b = write('b.py', 'revision = "b"\ndown_revision = "a"\n');
    const project = new RevisionProject(countingReader);
    project.loadFromDisk([a, b]);
    project.updateFile(b, 'revision = "b"\ndown_revision = "zz"\n');
    expect(project.problems().map((p) => p.code)).toEqual(['unknown-down-revision']);
    project.reloadFile(b);
    expect(project.problems()).toEqual([]);
  });

  it('keeps the graph when an edit leaves the revision as it was', () => {
    const a = write('a.py', 'revision = "a"\ndown_revision = None\n');
    const b = write('b.py', 'revision = "b"\ndown_revision = "a"\n');
    const project = new RevisionProject(countingReader);
    project.loadFromDisk([a, b]);
    const script = project.script;
    project.updateFile(b, '"""doc"""\nrevision = "b"\ndown_revision = ("a",)\n');
    expect(project.script).toBe(script);
    expect(project.entry(b)?.revision).toBe(script.map.get('b'));
    expect(project.entry(b)?.header.docstring).toBe('doc');
    project.updateFile(b, 'revision = "b"\ndown_revision = None\n');
    expect(project.script).not.toBe(script);
    expect([...project.script.getHeads()].sort()).toEqual(['a', 'b']);
  });

  it('places graph problems anew when an edit moves the declaring literal', () => {
    const a = write('a.py', 'revision = "a"\ndown_revision = None\n');
    const b = write('b.py', 'revision = "b"\ndown_revision = "zz"\n');
    const project = new RevisionProject(countingReader);
    project.loadFromDisk([a, b]);
    expect(project.problems().map((p) => p.range?.start.line)).toEqual([1]);
    project.updateFile(b, '\n\nrevision = "b"\ndown_revision = "zz"\n');
    expect(project.problems().map((p) => p.range?.start.line)).toEqual([3]);
  });

  it('follows files that appear and disappear', () => {
    const a = write('a.py', 'revision = "a"\ndown_revision = None\n');
    const project = new RevisionProject(countingReader);
    project.loadFromDisk([a]);
    const b = write('b.py', 'revision = "b"\ndown_revision = "a"\n');
    reads = [];
    project.setFiles([a, b]);
    expect(reads).toEqual(['b.py']);
    expect(project.script.getHeads()).toEqual(['b']);
    project.setFiles([a]);
    expect(project.script.getHeads()).toEqual(['a']);
  });

  it('keeps a file that cannot be read as a problem, not an exception', () => {
    const project = new RevisionProject(countingReader);
    project.loadFromDisk([path.join(dir, 'missing.py')]);
    expect(project.problems().map((p) => p.code)).toContain('python-syntax');
  });
});
