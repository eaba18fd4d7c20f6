import { beforeAll, describe, expect, it } from 'vitest';
import { TemplateError } from '../../../server/src/core/template/errors';
import { createDateFor, newRevisionId, revisionFileName, revisionSlug } from '../../../server/src/core/template/fileName';
import { dateTimeStr, type PyDateTime } from '../../../server/src/core/template/pyValue';
import { askAlembic, oracleDate, type OracleAnswer } from './alembicOracle';

/** Revision file names and create dates against Alembic's own `_rev_path` and `_generate_create_date`. */

const date: PyDateTime = { year: 2025, month: 2, day: 3, hour: 4, minute: 5, second: 6, microsecond: 7000, epoch: 1738555506 };

const NAMES: [string, number, string | undefined][] = [
  ['%(rev)s_%(slug)s', 40, 'merge heads'],
  // The sample's template, after the ini's %% interpolation.
  ['%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s', 40, 'Add user_id to conversations!'],
  ['%(epoch)s_%(rev)s', 40, 'x'],
  ['%(year)d/%(month)02d/%(rev)s-%(second)3d-%(slug)s', 40, 'into a subfolder'],
  ['%(rev)s_%(slug)s', 10, 'a very long message that is cut at an underscore'],
  ['%(rev)s_%(slug)s', 5, 'abcdefghij klm'],
  ['%(rev)s_%(slug)s', 40, 'Ünïcödé wörds — and_underscores, ΣΑΣ 123'],
  ['%(rev)s_%(slug)s', 40, undefined],
  ['%(rev).4s_%(slug)-12s|%(hour)+d|%(minute)x', 40, 'flags'],
  ['%(rev)s_%(nope)s', 40, 'an unknown key'],
  ['%(rev)d', 40, 'a wrong conversion'],
  ['%(rev)s_%(slug)f', 40, 'float'],
];

function ours(fileTemplate: string, truncateSlugLength: number, message: string | undefined): OracleAnswer {
  try {
    return { ok: revisionFileName({ fileTemplate, truncateSlugLength, revId: '3f2a1b0c9d8e', message, createDate: date }) };
  } catch (error) {
    if (error instanceof TemplateError) return { error: error.message };
    throw error;
  }
}

let names: OracleAnswer[];
const instants = [Date.UTC(2025, 0, 4, 14, 13, 20, 123), Date.UTC(2024, 6, 1, 0, 0, 0, 0), Date.UTC(2024, 2, 31, 0, 59, 59, 999)];
const zones = [undefined, 'UTC', 'utc', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'europe/paris', 'Not/AZone'];
let dates: OracleAnswer[];

beforeAll(async () => {
  names = await askAlembic(NAMES.map(([file_template, truncate_slug_length, message]) => ({ kind: 'rev_path', file_template, truncate_slug_length, rev: '3f2a1b0c9d8e', message: message ?? null, date: oracleDate(date) })));
  dates = await askAlembic(zones.flatMap((timezone) => instants.map((epoch_ms) => ({ kind: 'create_date', timezone: timezone ?? null, epoch_ms }))));
});

describe('file names like _rev_path', () => {
  it('has Alembic name all but the three broken templates', () => {
    expect(names.filter((n) => 'error' in n).length).toBe(3);
  });

  it.each(NAMES.map((n, i) => [n[0], n[2], i] as const))('%s with %s', (_t, _m, i) => {
    const [fileTemplate, length, message] = NAMES[i]!;
    const want = names[i]!;
    const mine = ours(fileTemplate, length, message);
    if ('ok' in want) expect(mine).toEqual(want);
    // Where Python fails, we fail too (our message differs, so only the kind is compared).
    else expect('error' in mine, `${JSON.stringify(mine)} where Alembic says ${want.error}`).toBe(true);
  });
});

describe('create dates like _generate_create_date', () => {
  it.each(zones.flatMap((z, zi) => instants.map((t, ti) => [String(z), new Date(t).toISOString(), zi * instants.length + ti] as const)))('%s at %s', (_z, _t, i) => {
    const zone = zones[Math.floor(i / instants.length)];
    const want = dates[i]!;
    let mine: OracleAnswer;
    try {
      mine = { ok: dateTimeStr(createDateFor(zone, new Date(instants[i % instants.length]!))) };
    } catch (error) {
      mine = { error: (error as Error).message };
    }
    if ('ok' in want) expect(mine).toEqual(want);
    else expect(mine).toEqual({ error: "Can't locate timezone: " + String(zone) });
  });

  it('reports the epoch of the instant', () => {
    expect(createDateFor('Asia/Kolkata', new Date(1738555506789)).epoch).toBe(1738555506);
    expect(createDateFor(undefined, new Date(1738555506789)).epoch).toBe(1738555506);
  });
});

describe('slugs and ids', () => {
  it('treats a truncate_slug_length of 0 as 40, as Alembic does', () => {
    expect(revisionSlug('a '.repeat(30), 0)).toBe(revisionSlug('a '.repeat(30), 40));
  });

  it('makes twelve-digit hex ids that differ', () => {
    const a = newRevisionId();
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(newRevisionId()).not.toBe(a);
  });
});
