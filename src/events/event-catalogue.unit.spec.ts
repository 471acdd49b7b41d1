import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { defineEvent } from './event-definition.js';
import * as campaignEvents from './campaign/campaign-events.js';
import * as commendationEvents from './campaign/commendation-events.js';
import * as pledgeEvents from './campaign/pledge-events.js';
import * as reportEvents from './campaign/report-events.js';
import * as snapshotEvents from './campaign/snapshot-events.js';
import * as studySessionEvents from './campaign/study-session-events.js';
import * as unitRecordEvents from './campaign/unit-record-events.js';
import * as memberEvents from './org/member-events.js';
import * as orgUnitEvents from './org/org-unit-events.js';
import { assertWellFormed, EVENT_CATALOGUE, MalformedEventError, occurredOn, UnreadableEventError, upcast } from './event-catalogue.js';

const UNIT = '3f1c7a52-8d4e-4b7a-9c1e-2a5b6c7d8e9f';

describe('the event catalogue', () => {
  it('has one definition per type, keyed by its own type string, with one upcaster per older version', () => {
    for (const [key, definition] of Object.entries(EVENT_CATALOGUE)) {
      expect(definition.type).toBe(key);
      expect(Number.isInteger(definition.schemaVersion) && definition.schemaVersion >= 1).toBe(true);
      expect(definition.upcasters).toHaveLength(definition.schemaVersion - 1);
    }
  });

  it('names each type once: no definition shadows another', () => {
    // Every list of definitions the event modules export (`…_EVENTS`), whatever the catalogue imports.
    const modules = [campaignEvents, commendationEvents, pledgeEvents, reportEvents, snapshotEvents, studySessionEvents, unitRecordEvents, memberEvents, orgUnitEvents];
    const definitions = modules.flatMap((m) => Object.entries(m).flatMap(([name, value]) => (name.endsWith('_EVENTS') ? (value as readonly { type: string }[]) : [])));
    expect(definitions.length).toBeGreaterThan(25);
    expect(new Set(definitions.map((d) => d.type)).size).toBe(definitions.length);
    expect(Object.keys(EVENT_CATALOGUE).sort()).toEqual(definitions.map((d) => d.type).sort());
  });

  it('refuses at compile time a definition missing its business date, schema or upcasters', () => {
    const schema = z.strictObject({ on: z.string() });
    // @ts-expect-error: version 2 needs exactly one upcaster (from version 1)
    defineEvent({ type: 'Probe', schemaVersion: 2, schema, occurredOn: (d) => d.on, upcasters: [] });
    // @ts-expect-error: version 1 has no older version to lift
    defineEvent({ type: 'Probe', schemaVersion: 1, schema, occurredOn: (d) => d.on, upcasters: [(d) => d] });
    // @ts-expect-error: no business date
    defineEvent({ type: 'Probe', schemaVersion: 1, schema, upcasters: [] });
    // @ts-expect-error: no payload schema
    defineEvent({ type: 'Probe', schemaVersion: 1, occurredOn: () => null, upcasters: [] });
    expect(defineEvent({ type: 'Probe', schemaVersion: 1, schema, occurredOn: (d) => d.on, upcasters: [] }).type).toBe('Probe');
  });

  it('gives every event its business date', () => {
    expect(occurredOn({ type: 'MemberLeft', data: { memberId: UNIT, unitId: UNIT, effectiveOn: '2025-07-01', reason: 'nghỉ hưu' } })).toBe('2025-07-01');
    expect(
      occurredOn({
        type: 'OrgUnitEstablished',
        data: { unitId: UNIT, code: 'A', name: 'A', kind: 'grassroots_union', level: 'grassroots', parentId: null, establishedOn: '2001-02-03' },
      }),
    ).toBe('2001-02-03');
  });

  it('refuses a malformed payload before it is stored, naming what is wrong', () => {
    const good = { unitId: UNIT, name: 'Tên mới', previousName: 'Tên cũ', effectiveOn: '2024-01-01' };
    expect(() => assertWellFormed({ type: 'OrgUnitRenamed', data: good })).not.toThrow();
    const bad = [
      { ...good, unitId: UNIT.toUpperCase() },
      { ...good, name: '   ' },
      { ...good, name: ' padded ' },
      { ...good, effectiveOn: '2024-02-30' },
      { ...good, extra: 1 },
    ];
    for (const data of bad) {
      expect(() => assertWellFormed({ type: 'OrgUnitRenamed', data } as never)).toThrow(MalformedEventError);
    }
  });

  it('reads an OrgUnitEstablished of version 1 without a level as the current version, with the level of its kind', () => {
    const v1 = { unitId: UNIT, code: 'CDCS', name: 'CĐCS A', kind: 'grassroots_union', parentId: null, establishedOn: '2001-01-01' };
    const event = upcast('OrgUnitEstablished', 1, v1);
    expect(event).toEqual({ type: 'OrgUnitEstablished', data: { ...v1, level: 'grassroots' } });
  });

  it('refuses to read an unknown type, a version from the future, or an old payload that does not lift', () => {
    expect(() => upcast('SomethingHappened', 1, {})).toThrow(UnreadableEventError);
    expect(() => upcast('OrgUnitRenamed', 9, {})).toThrow(UnreadableEventError);
    expect(() => upcast('OrgUnitEstablished', 1, { unitId: 'x' })).toThrow(UnreadableEventError);
  });
});
