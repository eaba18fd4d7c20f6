import { readFileSync } from 'node:fs';
import type { SarifHelp } from './sarif';

/**
 * What SARIF output says about each rule without pointing at the machine that ran the lint:
 * the rule's doc page inline, and links only to a public home the package declares.
 */

/** A rule's doc page as SARIF `help`: the Markdown as written, and a plain-text rendering of it. */
export function ruleHelp(docPage: string): SarifHelp | undefined {
  let markdown: string;
  try {
    markdown = readFileSync(docPage, 'utf8').trim();
  } catch {
    return undefined;
  }
  return { text: plainText(markdown), markdown };
}

/** Markdown read as text: headings, emphasis, code marks and link targets dropped. */
export function plainText(markdown: string): string {
  return markdown
    .split('\n')
    .filter((line) => !/^\s*```/.test(line))
    .map((line) =>
      line
        .replace(/^#+\s*/, '')
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/`([^`]*)`/g, '$1')
        .replace(/\*\*([^*]+)\*\*/g, '$1')
        .replace(/(^|\W)\*([^*\s][^*]*)\*(?=\W|$)/g, '$1$2'),
    )
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * The package's public home and the folder of its rule pages, from package.json's `homepage`
 * and `repository` when they are https URLs (a GitHub repository's pages are under
 * `blob/HEAD/docs/rules`). Empty when the package names none.
 */
export function publicUrls(pkg: { homepage?: unknown; repository?: unknown }): { home?: string; docs?: string } {
  const homepage = typeof pkg.homepage === 'string' && /^https:\/\//.test(pkg.homepage) ? pkg.homepage : undefined;
  const raw = typeof pkg.repository === 'string' ? pkg.repository : typeof pkg.repository === 'object' && pkg.repository !== null ? (pkg.repository as { url?: unknown }).url : undefined;
  const repo = typeof raw === 'string' ? /^(?:git\+)?(https:\/\/github\.com\/[^/]+\/[^/#]+?)(?:\.git)?(?:#.*)?$/.exec(raw)?.[1] : undefined;
  return {
    ...(homepage ?? repo ? { home: homepage ?? repo } : {}),
    ...(repo ? { docs: `${repo}/blob/HEAD/docs/rules` } : {}),
  };
}
