import type { AlembicEnvironment } from '../core/config';
import { pyStrip } from '../core/config/pyText';
import { docMessage } from '../core/graph/historyText';
import type { Revision } from '../core/graph/revision';
import type { RevisionProject } from '../core/project/revisionProject';
import type { GraphEnvironment } from '../protocol';

/** The graph of one environment as the client's tree view receives it. */
export function graphEnvironment(env: AlembicEnvironment, project: RevisionProject): GraphEnvironment {
  const script = project.script;
  return {
    configFile: env.configFile,
    section: env.section,
    heads: script.getHeads(),
    bases: script.getBases(),
    revisions: script.historyOrder().revisions.map((rev) => ({
      id: rev.revision,
      file: rev.path,
      downRevisions: [...rev.downRevision],
      dependsOn: [...rev.dependencies],
      branchLabels: [...rev.branchLabels],
      message: revisionMessage(project, rev),
      isHead: rev.isHead,
      isBranchPoint: rev.isBranchPoint,
      isMergePoint: rev.isMergePoint,
    })),
    problemCount: project.problems().length,
  };
}

/** The first paragraph of the revision's docstring, as `alembic history` shows it. */
export function revisionMessage(project: RevisionProject, rev: Revision): string {
  return docMessage(project.entry(rev.path)?.header.docstring, pyStrip);
}
