/**
 * Formats Alembic's offline SQL with sql-formatter. PostgreSQL output uses its PostgreSQL
 * dialect (dollar quoting, `::` casts); other databases get their own or the generic one. A
 * script the formatter cannot parse is shown as Alembic wrote it rather than not at all. The
 * formatter is loaded on first use: activation does not pay for it.
 */
export async function formatSql(sql: string, dialect: string | undefined): Promise<{ text: string; formatted: boolean; error?: string }> {
  const { format } = await import('sql-formatter');
  try {
    const language = dialect === 'postgresql' || dialect === undefined ? 'postgresql' : dialect === 'mysql' ? 'mysql' : dialect === 'sqlite' ? 'sqlite' : 'sql';
    return { text: format(sql, { language, keywordCase: 'upper' }) + '\n', formatted: true };
  } catch (error) {
    return { text: sql, formatted: false, error: error instanceof Error ? error.message : String(error) };
  }
}
