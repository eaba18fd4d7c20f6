import { readFileSync } from 'node:fs';
import os from 'node:os';
import { expect } from 'vitest';
import { until } from './driver';
import { extensionLogFiles, flow } from './harness';
import { recordMetric } from './results';
import { ALL, FILES, HEADS, MERGE, MESSAGES, alembic } from './sample';

/**
 * Flows 1 to 3 of issue 7: open the sample, upgrade it to its heads, downgrade it to a middle
 * revision, each checked on screen and in the database.
 */

flow('open', 'the view lists the environment and its revisions, every state pending', async ({ driver, ws, wb, readyAt, step, extensionLog }) => {
  // Time to first diagnostics: open a sample file right away; the Problems panel shows its finding.
  await driver.quickOpen(FILES['41f7c2d9e8b3']!);
  await driver.openProblems();
  await until('the first diagnostic', async () => ((await driver.problems('non-idempotent-ddl')).some((p) => p.includes('non-idempotent-ddl')) ? true : undefined), 60_000);
  const diagnosticsAt = Date.now();
  await step('problems');

  await driver.openRevisionsView();
  await driver.widenSidebar();
  await until('every revision with its state', async () => {
    const rows = await driver.treeTexts();
    return ALL.every((id) => rows.some((r) => r.description.startsWith(`${id} · pending`))) ? rows : undefined;
  });
  const rows = await driver.treeTexts();
  // One root, then the revisions from the heads down, in `alembic history` order.
  expect(rows.map((r) => r.label)).toEqual(['alembic.ini', ...ALL.map((id) => MESSAGES[id])]);
  expect(rows[0]!.description).toBe('dev · empty · 9 pending');
  for (const head of HEADS) expect(await driver.revisionDescription(head)).toMatch(/ · head\b/);
  expect(await driver.revisionDescription(MERGE)).toMatch(/ · merge\b/);
  expect(await driver.revisionDescription('002')).toMatch(/ · branch point\b/);
  expect(await driver.revisionDescription('e6a3f8c1b920')).toMatch(/@analytics/);
  expect(await until('the status bar', async () => ((await driver.statusBarText()).includes('9 pending') ? driver.statusBarText() : undefined))).toBe('dev: base · 9 pending');
  expect(await ws.versionRows()).toEqual([]);
  await step('view');
  // Clicking a revision opens its file.
  await driver.treeRow(MESSAGES['002']!).click();
  await until('the file of 002', async () => ((await driver.activeTab()) === FILES['002'] ? true : undefined));

  // Activation and time to first diagnostics, from the extension host's logs. They are
  // recorded in results.json (and docs/BENCHMARKS.md), not asserted: a timing is a benchmark.
  const log = await until('the activation line', () => /activate\(\) returned in [\d.]+ ms/.exec(extensionLog()) ?? undefined);
  const hostLog = extensionLogFiles(wb.userDataDir, /exthost\d*[/\\](remote)?exthost\.log$/).map((f) => readFileSync(f, 'utf8')).join('\n');
  const at = (re: RegExp, text: string): number | undefined => {
    const m = re.exec(text);
    return m ? Date.parse(m[1]!.replace(' ', 'T')) : undefined;
  };
  const hostStarted = at(/^(\S+ \S+) \[info\] Extension host with pid \d+ started/m, hostLog);
  const activationStarted = at(/^(\S+ \S+) \[info\] ExtensionService#_doActivateExtension alembic-pilot\.alembic-pilot\b/m, hostLog);
  const activated = at(/^(\S+ \S+) \[info\] activate\(\) returned/m, extensionLog());
  recordMetric('activateMs', Number(log[0].match(/[\d.]+/)![0]));
  const loading = /loading the bundle took ([\d.]+) ms/.exec(extensionLog());
  if (loading) recordMetric('bundleLoadMs', Number(loading[1]));
  if (activationStarted !== undefined && activated !== undefined) recordMetric('activationWithLoadingMs', activated - activationStarted);
  recordMetric('firstDiagnosticsAfterWorkbenchDomMs', diagnosticsAt - readyAt);
  if (hostStarted !== undefined) recordMetric('firstDiagnosticsAfterExtensionHostMs', diagnosticsAt - hostStarted);
  if (activated !== undefined) recordMetric('firstDiagnosticsAfterActivationMs', diagnosticsAt - activated);
  recordMetric('loadAverage1m', os.loadavg()[0]!.toFixed(2));
});

flow('upgrade', 'Upgrade to Head(s) moves the database to the heads', async ({ driver, ws, step }) => {
  await driver.openRevisionsView();
  await driver.widenSidebar();
  await until('the database state', async () => ((await driver.rowDescription('alembic.ini')).includes('9 pending') ? true : undefined));
  await driver.rowAction('alembic.ini', 'Upgrade to Head(s)');
  const dialog = await driver.dialogText();
  // The plan crosses the merge and the branch point, so it is confirmed, in Alembic's order.
  expect(dialog.message).toBe('Upgrade dev to heads? This applies 9 revisions.');
  const listed = dialog.detail.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.split(/\s+/)[1]);
  expect([...listed].sort()).toEqual([...ALL].sort());
  expect(listed.indexOf('001')).toBeLessThan(listed.indexOf('002'));
  expect(listed.indexOf(MERGE)).toBeGreaterThan(listed.indexOf('5e1d9a0c7b24'));
  await step('confirm');
  await driver.dialogButton('Upgrade');
  const result = await driver.notification(/^Upgraded dev to /, 120_000);
  expect(result).toMatch(/^Upgraded dev to ab93e5d7c162, e6a3f8c1b920 \(9 revisions\) in \d+\.\d s\.$/);
  expect(await ws.versionRows()).toEqual(HEADS);
  expect(await ws.tables()).toEqual(expect.arrayContaining(['kraken_conversations', 'kraken_feedback', 'kraken_turns']));
  await until('the states', async () => {
    const rows = await driver.treeTexts();
    const state = (id: string): string | undefined => rows.find((r) => r.description.startsWith(`${id} ·`))?.description.split(' · ')[1];
    return HEADS.every((h) => state(h) === 'current') && ALL.filter((id) => !HEADS.includes(id)).every((id) => state(id) === 'applied') ? true : undefined;
  });
  expect(await until('0 pending', async () => ((await driver.statusBarText()).endsWith('0 pending') ? driver.statusBarText() : undefined))).toBe('dev: ab93e5d7c162, e6a3f8c1b920 · 0 pending');
  await step('done');
});

flow(
  'downgrade',
  'Downgrade to Here lists exactly the revisions it reverts, and the database and the view agree',
  async ({ driver, page, ws, step, extensionLog }) => {
    await driver.openRevisionsView();
    await driver.widenSidebar();
    await until('the upgraded state', async () => ((await driver.revisionDescription(MERGE)).includes('applied') ? true : undefined));
    await driver.rowMenu(MESSAGES[MERGE]!, 'Downgrade to Here');
    const dialog = await driver.dialogText();
    expect(dialog.message).toMatch(/^Downgrade dev to 7d40e9b1f3a6\? This reverts \d+ revisions?\.$/);
    expect(dialog.detail).toMatch(/may drop columns, tables and the data in them/);
    const listed = dialog.detail.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.split(/\s+/)[1]!);
    await step('confirm');
    await driver.dialogButton('Downgrade');
    await driver.notification(/^Downgraded dev to /, 120_000);
    // What Alembic really ran, in order, from its own log lines streamed to our channel.
    const log = await until('the run in the log', () => (/Downgraded dev to /.test(extensionLog()) ? extensionLog() : undefined));
    const ran = [...log.matchAll(/Running downgrade (\S+) -> /g)].map((m) => m[1]!);
    expect(listed).toEqual(ran);
    expect(listed).toEqual(['ab93e5d7c162', '41f7c2d9e8b3']);
    const rows = await ws.versionRows();
    expect(rows).toEqual([MERGE, 'e6a3f8c1b920']);
    // The view agrees with the database: the rows are current, their ancestors applied, the rest pending.
    await until('the view to agree', async () => {
      const texts = await driver.treeTexts();
      const state = (id: string): string | undefined => texts.find((r) => r.description.startsWith(`${id} ·`))?.description.split(' · ')[1];
      return state(MERGE) === 'current' && state('e6a3f8c1b920') === 'current' && state('41f7c2d9e8b3') === 'pending' && state('ab93e5d7c162') === 'pending' && state('002') === 'applied' ? true : undefined;
    });
    expect(await driver.statusBarText()).toBe('dev: 7d40e9b1f3a6, e6a3f8c1b920 · 2 pending');
    await step('done');

    // Show SQL of a pending revision: offline mode starts from one head, so it asks which.
    await driver.rowMenu(MESSAGES['41f7c2d9e8b3']!, 'Show SQL');
    await driver.pick('7d40e9b1f3a6', /Show SQL for 41f7c2d9e8b3/);
    await until('the SQL document', async () => ((await page.title()).includes('Untitled-') ? true : undefined), 120_000);
    const sql = await until('the SQL', async () => {
      // The editor draws spaces as no-break spaces.
      const text = (await page.locator('.monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
      return /Running upgrade 7d40e9b1f3a6 -> 41f7c2d9e8b3/.test(text) && /CREATE\s+OR\s+REPLACE\s+VIEW|CREATE\s+VIEW/i.test(text) ? text : undefined;
    }, 60_000);
    expect(sql).toMatch(/INSERT INTO\s+alembic_version/i);
    expect(await ws.versionRows()).toEqual([MERGE, 'e6a3f8c1b920']);
    await step('show-sql');

    // Downgrade One Step with two current heads asks which branch, and moves only that one.
    await driver.openRevisionsView();
    await driver.rowMenu('alembic.ini', 'Downgrade One Step');
    await driver.pick('e6a3f8c1b920', /Downgrade One Step/);
    const oneStep = await driver.dialogText();
    expect(oneStep.detail.split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.split(/\s+/)[1])).toEqual(['e6a3f8c1b920']);
    await driver.dialogButton('Downgrade');
    await driver.notification(/^Downgraded dev to 7d40e9b1f3a6, 9b2c41e7d05f \(1 revision\)/, 120_000);
    expect(await ws.versionRows()).toEqual([MERGE, '9b2c41e7d05f']);
    await until('the analytics head pending', async () => ((await driver.revisionDescription('e6a3f8c1b920')).startsWith('e6a3f8c1b920 · pending') ? true : undefined));
    await step('one-step');
  },
  { prepare: async (ws) => void (await alembic(ws.folder, ws.databaseUrl, 'upgrade', 'heads')) },
);

flow(
  'configure-database',
  'without a database the states are unknown; Configure Database names one, and a production one asks for its name before a run',
  async ({ driver, ws, step }) => {
    await driver.openRevisionsView();
    await driver.widenSidebar();
    await until('no database in the view', async () => ((await driver.rowDescription('alembic.ini')) === 'no database' ? true : undefined));
    expect(await driver.viewMessage()).toMatch(/^No database is configured, so every state is unknown/);
    // The revisions still show, with state unknown (no state word in their descriptions).
    const rows = await until('the revisions, redrawn without states', async () => {
      const texts = await driver.treeTexts();
      return texts.filter((r) => ALL.some((id) => r.description.startsWith(id))).length === 9 && texts.every((r) => !/ · (pending|applied|current)\b/.test(r.description)) ? texts : undefined;
    });
    expect(rows.filter((r) => ALL.some((id) => r.description.startsWith(id)))).toHaveLength(9);
    await step('no-database');

    await driver.treeRow('Configure Database…').click();
    await driver.answer('prod', /Configure Database for alembic\.ini \(1\/3\)/);
    await driver.answer(ws.databaseUrl, /\(2\/3\)/);
    await driver.pick('Yes, production', /\(3\/3\)/);
    await until('the named database in the view', async () => ((await driver.rowDescription('alembic.ini')) === 'prod · empty · 9 pending' ? true : undefined));
    expect(ws.settings()['alembicPilot.databases']).toEqual([{ name: 'prod', config: 'alembic.ini', url: ws.databaseUrl, production: true }]);
    expect(await driver.viewMessage()).toBe('');
    await step('configured');

    await driver.rowAction('alembic.ini', 'Upgrade to Head(s)');
    expect((await driver.dialogText()).detail).toContain('prod is marked as production.');
    await driver.dialogButton('Upgrade');
    await driver.quickInput(/prod is a production database/);
    await step('production-name');
    await driver.answer('prod');
    await driver.notification(/^Upgraded prod to ab93e5d7c162, e6a3f8c1b920 \(9 revisions\)/, 120_000);
    expect(await ws.versionRows()).toEqual(HEADS);
  },
  { database: false },
);
