import path from 'node:path';
import { type AlembicEnvironment, discoverEnvironments, listRevisionFiles } from '../core/config';
import { pyStrip } from '../core/config/pyText';
import { docMessage } from '../core/graph/historyText';
import { RevisionProject } from '../core/project/revisionProject';
import type { Problem } from '../core/types';
import type { GraphEnvironment } from '../protocol';

/**
 * The server's model of every Alembic environment in the workspace. It knows which files
 * belong to which environment, keeps one `RevisionProject` per environment, and prefers the
 * text of open editor buffers over what is on disk.
 */

interface EnvState {
  env: AlembicEnvironment;
  project: RevisionProject;
  /** Files that had problems at the last publication, so that cleared ones can be emptied. */
  published: Set<string>;
}

export class WorkspaceModel {
  private envs: EnvState[] = [];
  private readonly openTexts = new Map<string, string>();

  constructor(private roots: string[]) {}

  setRoots(roots: string[]): void {
    this.roots = roots;
  }

  /** Finds the environments again and re-reads their files; cheap enough to do on config changes. */
  rediscover(): void {
    const old = new Map(this.envs.map((s) => [`${s.env.configFile}#${s.env.section}`, s]));
    this.envs = this.roots.flatMap((root) => discoverEnvironments(root)).map((env) => {
      const previous = old.get(`${env.configFile}#${env.section}`);
      const state: EnvState = { env, project: new RevisionProject(), published: previous?.published ?? new Set() };
      this.refreshFiles(state);
      return state;
    });
  }

  environments(): AlembicEnvironment[] {
    return this.envs.map((s) => s.env);
  }

  /** Re-lists an environment's files after a file was created or deleted. */
  refreshListing(): void {
    for (const s of this.envs) this.refreshFiles(s);
  }

  private refreshFiles(state: EnvState): void {
    const files = state.env.scriptLocation ? listRevisionFiles(state.env) : [];
    state.project.setFiles(files);
    for (const f of files) {
      const text = this.openTexts.get(f);
      if (text !== undefined) state.project.updateFile(f, text);
    }
  }

  /** True when the file is a revision file of some environment. */
  owns(file: string): boolean {
    return this.envs.some((s) => s.project.entry(file) !== undefined);
  }

  /** A revision file's text changed in the editor (or was reverted to disk on close). */
  setText(file: string, text: string | undefined): boolean {
    if (text === undefined) this.openTexts.delete(file);
    else this.openTexts.set(file, text);
    let touched = false;
    for (const s of this.envs) {
      if (!s.project.entry(file)) continue;
      if (text === undefined) s.project.reloadFile(file);
      else s.project.updateFile(file, text);
      touched = true;
    }
    return touched;
  }

  /**
   * The diagnostics to publish: for every file of every environment, its problems, plus an
   * empty list for files that had problems before and have none now.
   */
  diagnostics(): Map<string, Problem[]> {
    const out = new Map<string, Problem[]>();
    for (const s of this.envs) {
      const byFile = new Map<string, Problem[]>();
      for (const p of s.project.problems()) {
        if (!p.file) continue;
        const list = byFile.get(p.file) ?? [];
        list.push(p);
        byFile.set(p.file, list);
      }
      for (const f of s.published) if (!byFile.has(f)) out.set(f, []);
      for (const [f, list] of byFile) out.set(f, [...(out.get(f) ?? []), ...list]);
      s.published = new Set(byFile.keys());
    }
    return out;
  }

  graph(configFile?: string): GraphEnvironment[] {
    return this.envs
      .filter((s) => configFile === undefined || path.resolve(configFile) === s.env.configFile)
      .map((s) => {
        const script = s.project.script;
        const ordered = script.historyOrder().revisions;
        return {
          configFile: s.env.configFile,
          section: s.env.section,
          heads: script.getHeads(),
          bases: script.getBases(),
          revisions: ordered.map((rev) => ({
            id: rev.revision,
            file: rev.path,
            downRevisions: [...rev.downRevision],
            dependsOn: [...rev.dependencies],
            branchLabels: [...rev.branchLabels],
            message: docMessage(s.project.entry(rev.path)?.header.docstring, pyStrip),
            isHead: rev.isHead,
            isBranchPoint: rev.isBranchPoint,
            isMergePoint: rev.isMergePoint,
          })),
          problemCount: s.project.problems().length,
        };
      });
  }
}
