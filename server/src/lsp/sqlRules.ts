import { loadSqlParser, sqlParserLoadMs } from '../core/sql';
import { RULES } from '../core/rules/registry';
import { cachedSqlParser } from './sqlCache';
import type { WorkspaceModel } from './workspaceModel';

/**
 * Loads PostgreSQL's parser for the SQL rules after the server is up: instantiating the WASM
 * takes long enough that doing it during activation would delay every other diagnostic. Until
 * it is loaded, and for good if it fails, the SQL rules report nothing.
 */
export async function loadSqlRules(model: WorkspaceModel, log: { info(m: string): void; error(m: string): void }): Promise<boolean> {
  try {
    const parser = await loadSqlParser();
    model.setSqlParser(cachedSqlParser(parser));
    log.info(`Alembic Pilot loaded PostgreSQL's SQL parser in ${Math.round(sqlParserLoadMs() ?? 0)} ms.`);
    return true;
  } catch (e) {
    const rules = RULES.filter((r) => r.needsSql).map((r) => r.id).join(', ');
    log.error(`Alembic Pilot could not load PostgreSQL's SQL parser (libpg-query), so these rules are off: ${rules}. ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}
