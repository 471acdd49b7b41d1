import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { ProjectionProgress } from '../../src/infrastructure/projections/projection-progress.js';
import { ProjectionsService } from '../../src/infrastructure/projections/projections.service.js';
import { BINH_THUAN_2024, issueCampaign } from '../support/campaign-fixtures.js';
import { api, code, enrol, establish, signToken, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

/**
 * Every route of the running application, for every role, inside and outside the caller's
 * scope: the status it must answer, and for a refused write that nothing was appended.
 * A route the application serves without an entry here fails the test: a new route must
 * come with its policy and its row in this matrix.
 */

type Policy = 'public' | 'admin' | 'write' | 'read' | 'seal';
type Target = 'in' | 'out';

interface Fixture {
  /** Scope of the scoped callers: a province with two districts. */
  readonly province: string;
  readonly districtA: string;
  readonly districtB: string;
  readonly unit: string;
  readonly otherUnit: string;
  readonly member: string;
  /** A campaign issued by the province. */
  readonly campaign: string;
  /** The same shapes in another province: outside the scope. */
  readonly outside: Omit<Fixture, 'outside'>;
}

interface Call {
  readonly path: string;
  readonly body?: unknown;
}

interface RouteSpec {
  readonly policy: Policy;
  /** The status of an allowed call. */
  readonly allowed: number;
  /** A fresh call aimed inside or outside the scope (writes create what they act on first). */
  build(app: TestApp, fx: Fixture, target: Target): Promise<Call>;
}

type Side = Omit<Fixture, 'outside'>;
const side = (fx: Fixture, target: Target): Side => (target === 'in' ? fx : fx.outside);
const ON = '2024-03-01';

/** The head of the log: a view asked with it as minPosition answers from views that have caught up. */
const headOf = async (app: TestApp): Promise<bigint> => app.service.app.get(EventStore).headPosition();

/** A snapshot of the district, sealed by an administrator once the views have caught up, readable at once. */
const snapshots = new Map<string, string>();
async function freshSnapshot(app: TestApp, s: Side): Promise<string> {
  const known = snapshots.get(s.districtA);
  if (known) return known;
  await app.service.app.get(ProjectionProgress).waitFor(app.service.app.get(ProjectionsService).names(), await headOf(app));
  const res = await api(app).post(`/campaigns/${s.campaign}/snapshots`).send({ unitId: s.districtA, asOf: ON });
  if (res.status !== 201) throw new Error(`sealing a snapshot answered ${res.status}`);
  await app.service.app.get(ProjectionProgress).waitFor(app.service.app.get(ProjectionsService).names(), BigInt(res.body.sealedPosition));
  snapshots.set(s.districtA, res.body.snapshotId);
  return res.body.snapshotId as string;
}

async function freshUnit(app: TestApp, parentId: string): Promise<string> {
  return (await establish(app, { name: 'CĐCS mới', kind: 'grassroots_union', parentId, establishedOn: '2020-01-01' })).id;
}

async function freshMember(app: TestApp, unitId: string): Promise<string> {
  return (await enrol(app, { unitId, fullName: 'Đoàn viên mới', joinedOn: '2020-01-01' })).id;
}

const sessionOf = (s: Side) => ({ unitId: s.unit, heldOn: '2024-03-20', format: 'online', title: 'Học tập chuyên đề', attendeeMemberIds: [s.member] });

async function freshSession(app: TestApp, s: Side): Promise<string> {
  const res = await api(app).post(`/campaigns/${s.campaign}/study-sessions`).send(sessionOf(s));
  if (res.status !== 201) throw new Error(`recording a session answered ${res.status}`);
  return res.body.id as string;
}

const pledgeOf = (memberId: string) => ({ memberId, items: ['Gương mẫu'], submittedOn: '2024-04-08', submittedTo: 'Chi bộ' });

async function freshPledge(app: TestApp, s: Side): Promise<string> {
  const res = await api(app).post(`/campaigns/${s.campaign}/pledges`).send(pledgeOf(await freshMember(app, s.unit)));
  if (res.status !== 201) throw new Error(`filing a pledge answered ${res.status}`);
  return res.body.id as string;
}

const actionPlanOf = (unitId: string, taskId: string) => ({
  unitId,
  adoptedOn: '2024-04-05',
  tasks: [{ taskId, title: 'Thực hiện dân chủ ở cơ sở', responsible: 'Ban chấp hành', dueOn: '2024-12-31', focal: true }],
});

const reportOf = (s: Side, unitId = s.unit) => ({ unitId, kind: 'study_results', submittedOn: '2024-05-02', figures: { membersStudied: 1 }, narrative: 'Báo cáo' });

/**
 * A report (one per unit and kind) of a new grassroots unit of the side, or of a new district
 * (then sent to the province, the callers' own unit).
 */
async function freshReport(app: TestApp, s: Side, from: 'unit' | 'district' = 'unit'): Promise<string> {
  const unitId =
    from === 'unit'
      ? await freshUnit(app, s.districtA)
      : (await establish(app, { name: 'LĐLĐ huyện mới', kind: 'district_federation', parentId: s.province, establishedOn: '2000-01-01' })).id;
  const res = await api(app).post(`/campaigns/${s.campaign}/reports`).send(reportOf(s, unitId));
  if (res.status !== 201) throw new Error(`submitting a report answered ${res.status}`);
  return res.body.id as string;
}

const commendationOf = (s: Side) => ({
  proposingUnitId: s.unit,
  nominee: { type: 'member', id: s.member, name: 'Nguyễn Văn A' },
  category: 'good_deed',
  awardForm: 'public_praise',
  achievements: 'Gương người tốt việc tốt',
  dossier: [{ title: 'Tờ trình' }],
  proposedOn: '2024-10-01',
});

/** A proposal, reviewed (by an administrator) when `reviewed` says how. */
async function freshCommendation(app: TestApp, s: Side, reviewed: 'endorsed' | 'returned' | null = null): Promise<string> {
  const res = await api(app).post(`/campaigns/${s.campaign}/commendations`).send(commendationOf(s));
  if (res.status !== 201) throw new Error(`proposing a commendation answered ${res.status}`);
  if (reviewed) await api(app).post(`/commendations/${res.body.id}/review`).send({ outcome: reviewed, reviewedOn: '2024-10-02' }).expect(200);
  return res.body.id as string;
}

const MATRIX: Record<string, RouteSpec> = {
  'GET /health': { policy: 'public', allowed: 200, build: async () => ({ path: '/health' }) },
  // The OpenAPI document and its UI (the UI's own files included): public, like the contract itself.
  'GET /docs-json': { policy: 'public', allowed: 200, build: async () => ({ path: '/docs-json' }) },
  'GET /docs': { policy: 'public', allowed: 200, build: async () => ({ path: '/docs' }) },
  'GET /docs/': { policy: 'public', allowed: 200, build: async () => ({ path: '/docs/' }) },
  'GET /docs/index.html': { policy: 'public', allowed: 200, build: async () => ({ path: '/docs/index.html' }) },
  'GET /docs/swagger-ui-init.js': { policy: 'public', allowed: 200, build: async () => ({ path: '/docs/swagger-ui-init.js' }) },
  'GET /docs/docs/swagger-ui-init.js': { policy: 'public', allowed: 200, build: async () => ({ path: '/docs/docs/swagger-ui-init.js' }) },
  'GET /docs/LICENSE': { policy: 'public', allowed: 404, build: async () => ({ path: '/docs/LICENSE' }) },
  'GET /admin/projections': { policy: 'admin', allowed: 200, build: async () => ({ path: '/admin/projections' }) },
  'POST /admin/projections/:name/rebuild': {
    policy: 'admin',
    allowed: 202,
    build: async () => ({ path: '/admin/projections/org-structure/rebuild' }),
  },
  'POST /org-units': {
    policy: 'write',
    allowed: 201,
    build: async (_, fx, t) => ({
      path: '/org-units',
      body: { code: code('G'), name: 'CĐCS', kind: 'grassroots_union', parentId: side(fx, t).districtA, establishedOn: ON },
    }),
  },
  'POST /org-units/:id/rename': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/org-units/${await freshUnit(app, side(fx, t).districtA)}/rename`, body: { name: 'Tên mới', effectiveOn: ON } }),
  },
  'POST /org-units/:id/transfer': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({
      path: `/org-units/${await freshUnit(app, side(fx, t).districtA)}/transfer`,
      body: { newParentId: side(fx, t).districtB, effectiveOn: ON },
    }),
  },
  'POST /org-units/:id/merge': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({
      path: `/org-units/${await freshUnit(app, side(fx, t).districtA)}/merge`,
      body: { intoUnitId: await freshUnit(app, side(fx, t).districtA), effectiveOn: ON },
    }),
  },
  'POST /org-units/:id/terminate': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({
      path: `/org-units/${await freshUnit(app, side(fx, t).districtA)}/terminate`,
      body: { effectiveOn: ON, reason: 'giải thể' },
    }),
  },
  'GET /org-units/:id': { policy: 'read', allowed: 200, build: async (_, fx, t) => ({ path: `/org-units/${side(fx, t).unit}?asOf=${ON}` }) },
  'GET /org-units/:id/children': {
    policy: 'read',
    allowed: 200,
    build: async (_, fx, t) => ({ path: `/org-units/${side(fx, t).districtA}/children?asOf=${ON}` }),
  },
  'POST /members': {
    policy: 'write',
    allowed: 201,
    build: async (_, fx, t) => ({ path: '/members', body: { unitId: side(fx, t).unit, fullName: 'Đoàn viên', memberCode: code('M'), joinedOn: ON } }),
  },
  'POST /members/import': {
    policy: 'write',
    allowed: 201,
    build: async (_, fx, t) => ({
      path: '/members/import',
      body: {
        members: [
          { unitId: side(fx, t).unit, fullName: 'Một', memberCode: code('M'), joinedOn: ON },
          { unitId: side(fx, t).otherUnit, fullName: 'Hai', memberCode: code('M'), joinedOn: ON },
        ],
      },
    }),
  },
  'POST /members/:id/transfer': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({
      path: `/members/${await freshMember(app, side(fx, t).unit)}/transfer`,
      body: { toUnitId: side(fx, t).otherUnit, effectiveOn: ON },
    }),
  },
  'POST /members/:id/leave': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/members/${await freshMember(app, side(fx, t).unit)}/leave`, body: { effectiveOn: ON, reason: 'nghỉ hưu' } }),
  },
  'GET /members/:id': { policy: 'read', allowed: 200, build: async (_, fx, t) => ({ path: `/members/${side(fx, t).member}?asOf=${ON}` }) },
  'POST /campaigns': { policy: 'write', allowed: 201, build: async (_, fx, t) => ({ path: '/campaigns', body: BINH_THUAN_2024(side(fx, t).province) }) },
  'POST /campaigns/:id/amend': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({
      path: `/campaigns/${await issueCampaign(app, side(fx, t).province)}/amend`,
      body: { requirements: { study: null }, reason: 'bỏ yêu cầu học tập', amendedOn: '2024-04-01' },
    }),
  },
  'GET /campaigns/:id': { policy: 'read', allowed: 200, build: async (_, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}` }) },
  'GET /campaigns/:id/compliance/:unitId': {
    policy: 'read',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/compliance/${side(fx, t).unit}?asOf=${ON}&minPosition=${await headOf(app)}` }),
  },
  'GET /campaigns/:id/compliance/:unitId/children': {
    policy: 'read',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/compliance/${side(fx, t).province}/children?asOf=${ON}&minPosition=${await headOf(app)}` }),
  },
  'GET /campaigns/:id/compliance/:unitId/export': {
    policy: 'read',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/compliance/${side(fx, t).districtA}/export?format=csv&asOf=${ON}&minPosition=${await headOf(app)}` }),
  },
  'GET /campaigns/:id/commendations': {
    policy: 'read',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/commendations?unitId=${side(fx, t).province}&asOf=${ON}&minPosition=${await headOf(app)}` }),
  },
  'POST /campaigns/:id/snapshots': {
    policy: 'seal',
    allowed: 201,
    build: async (app, fx, t) => {
      await app.service.app.get(ProjectionProgress).waitFor(app.service.app.get(ProjectionsService).names(), await headOf(app));
      return { path: `/campaigns/${side(fx, t).campaign}/snapshots`, body: { unitId: side(fx, t).districtA, asOf: ON } };
    },
  },
  'GET /snapshots/:id': { policy: 'read', allowed: 200, build: async (app, fx, t) => ({ path: `/snapshots/${await freshSnapshot(app, side(fx, t))}` }) },
  'GET /snapshots/:id/verify': { policy: 'read', allowed: 200, build: async (app, fx, t) => ({ path: `/snapshots/${await freshSnapshot(app, side(fx, t))}/verify` }) },
  'GET /snapshots/:id/restatement': {
    policy: 'read',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/snapshots/${await freshSnapshot(app, side(fx, t))}/restatement` }),
  },
  'GET /campaigns/:id/overdue': {
    policy: 'read',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/overdue?unitId=${side(fx, t).districtA}&asOf=${ON}&minPosition=${await headOf(app)}` }),
  },
  'POST /campaigns/:id/study-sessions': {
    policy: 'write',
    allowed: 201,
    build: async (_, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/study-sessions`, body: sessionOf(side(fx, t)) }),
  },
  'POST /study-sessions/:id/attendance-corrections': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({
      path: `/study-sessions/${await freshSession(app, side(fx, t))}/attendance-corrections`,
      body: { add: [], remove: [side(fx, t).member], reason: 'ghi nhầm' },
    }),
  },
  'POST /study-sessions/:id/void': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/study-sessions/${await freshSession(app, side(fx, t))}/void`, body: { reason: 'nhập trùng' } }),
  },
  'POST /campaigns/:id/pledges': {
    policy: 'write',
    allowed: 201,
    build: async (app, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/pledges`, body: pledgeOf(await freshMember(app, side(fx, t).unit)) }),
  },
  'POST /pledges/:id/revise': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/pledges/${await freshPledge(app, side(fx, t))}/revise`, body: { items: ['Việc khác'], revisedOn: '2024-04-09', reason: 'cụ thể hơn' } }),
  },
  'POST /pledges/:id/review': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/pledges/${await freshPledge(app, side(fx, t))}/review`, body: { outcome: 'fulfilled', reviewedOn: '2024-11-30' } }),
  },
  'POST /pledges/:id/withdraw': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/pledges/${await freshPledge(app, side(fx, t))}/withdraw`, body: { reason: 'nộp nhầm', withdrawnOn: '2024-04-10' } }),
  },
  'POST /campaigns/:id/implementation-plans': {
    policy: 'write',
    allowed: 201,
    build: async (app, fx, t) => ({
      path: `/campaigns/${side(fx, t).campaign}/implementation-plans`,
      body: { unitId: await freshUnit(app, side(fx, t).districtA), document: { number: '01/KH', issuedOn: '2024-03-10', signedBy: { name: 'A', position: 'CHỦ TỊCH' } } },
    }),
  },
  'POST /campaigns/:id/action-plans': {
    policy: 'write',
    allowed: 201,
    build: async (app, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/action-plans`, body: actionPlanOf(await freshUnit(app, side(fx, t).districtA), randomUUID()) }),
  },
  'POST /campaigns/:id/action-plans/:unitId/tasks/:taskId/complete': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => {
      const s = side(fx, t);
      const [unitId, taskId] = [await freshUnit(app, s.districtA), randomUUID()];
      await api(app).post(`/campaigns/${s.campaign}/action-plans`).send(actionPlanOf(unitId, taskId)).expect(201);
      return { path: `/campaigns/${s.campaign}/action-plans/${unitId}/tasks/${taskId}/complete`, body: { completedOn: '2024-06-01', evidence: 'biên bản' } };
    },
  },
  'POST /campaigns/:id/classifications': {
    policy: 'write',
    allowed: 201,
    build: async (app, fx, t) => ({
      path: `/campaigns/${side(fx, t).campaign}/classifications`,
      body: { unitId: await freshUnit(app, side(fx, t).districtA), grade: 'good', decidedOn: '2024-12-10', basis: 'kết quả năm' },
    }),
  },
  'POST /campaigns/:id/inspections': {
    policy: 'write',
    allowed: 201,
    build: async (_, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/inspections`, body: { unitId: side(fx, t).unit, conductedOn: '2024-09-15', findings: [] } }),
  },
  'POST /campaigns/:id/reports': {
    policy: 'write',
    allowed: 201,
    build: async (app, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/reports`, body: reportOf(side(fx, t), await freshUnit(app, side(fx, t).districtA)) }),
  },
  'POST /reports/:id/amend': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/reports/${await freshReport(app, side(fx, t))}/amend`, body: { narrative: 'Bổ sung', reason: 'bổ sung', amendedOn: '2024-05-03' } }),
  },
  'POST /reports/:id/acknowledge': {
    policy: 'write',
    allowed: 200,
    // Only the receiving unit itself: a district's report, sent to the province.
    build: async (app, fx, t) => ({ path: `/reports/${await freshReport(app, side(fx, t), 'district')}/acknowledge`, body: { on: '2024-05-03' } }),
  },
  'POST /reports/:id/return': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/reports/${await freshReport(app, side(fx, t), 'district')}/return`, body: { reason: 'thiếu số liệu', on: '2024-05-03' } }),
  },
  'POST /campaigns/:id/commendations': {
    policy: 'write',
    allowed: 201,
    build: async (_, fx, t) => ({ path: `/campaigns/${side(fx, t).campaign}/commendations`, body: commendationOf(side(fx, t)) }),
  },
  'POST /commendations/:id/review': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({ path: `/commendations/${await freshCommendation(app, side(fx, t))}/review`, body: { outcome: 'endorsed', reviewedOn: '2024-10-02' } }),
  },
  'POST /commendations/:id/resubmit': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({
      path: `/commendations/${await freshCommendation(app, side(fx, t), 'returned')}/resubmit`,
      body: { note: 'đã bổ sung', resubmittedOn: '2024-10-03' },
    }),
  },
  'POST /commendations/:id/decide': {
    policy: 'write',
    allowed: 200,
    build: async (app, fx, t) => ({
      path: `/commendations/${await freshCommendation(app, side(fx, t), 'endorsed')}/decide`,
      body: { outcome: 'granted', decisionNumber: '12/QĐ', decidedOn: '2024-10-03' },
    }),
  },
};

type Caller = 'admin' | 'admin of the province' | 'officer' | 'leadership' | 'inspector' | 'upstream';
const CALLERS: Caller[] = ['admin', 'admin of the province', 'officer', 'leadership', 'inspector', 'upstream'];

/** The status the contract of API.md gives a caller on a route, inside or outside the scope. */
function expected(spec: RouteSpec, caller: Caller, target: Target): number {
  const unrestricted = caller === 'admin';
  switch (spec.policy) {
    case 'public':
      return spec.allowed;
    case 'admin':
      // Operations act on the whole registry: an admin with a unit is refused too.
      return caller === 'admin' ? spec.allowed : 403;
    case 'write':
      if (caller !== 'admin' && caller !== 'admin of the province' && caller !== 'officer') return 403;
      return unrestricted || target === 'in' ? spec.allowed : 403;
    case 'read':
      // Outside the scope a view answers as if the thing did not exist.
      return unrestricted || target === 'in' ? spec.allowed : 404;
    case 'seal':
      // Sealing reads a view: upstream bodies and admins; outside the scope the unit does not exist.
      if (caller !== 'admin' && caller !== 'admin of the province' && caller !== 'upstream') return 403;
      return unrestricted || target === 'in' ? spec.allowed : 404;
  }
}

/** METHOD /path of every route the running application serves, read from its router. */
function servedRoutes(app: TestApp): string[] {
  const express = app.service.app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return express.router.stack
    .filter((layer) => layer.route)
    .flatMap((layer) =>
      Object.keys(layer.route!.methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m.toUpperCase()} ${layer.route!.path}`),
    )
    .sort();
}

describe('access: every route, every role, inside and outside the scope', () => {
  let app: TestApp;
  // Hundreds of deliberate 401s come from one address here: the failed-authentication limit is raised.
  useTestApp((started) => (app = started), { AUTH_FAILURE_LIMIT: '100000' });

  async function fixture(): Promise<Fixture> {
    const build = async () => {
      const province = (await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
      const districtA = (await establish(app, { name: 'LĐLĐ huyện A', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
      const districtB = (await establish(app, { name: 'LĐLĐ huyện B', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
      const unit = (await establish(app, { name: 'CĐCS 1', kind: 'grassroots_union', parentId: districtA, establishedOn: '2000-01-01' })).id;
      const otherUnit = (await establish(app, { name: 'CĐCS 2', kind: 'grassroots_union', parentId: districtB, establishedOn: '2000-01-01' })).id;
      const member = await enrol(app, { unitId: unit, fullName: 'Nguyễn Văn A', joinedOn: '2010-01-01' });
      await api(app).get(`/members/${member.id}`).query({ minPosition: member.position }).expect(200);
      const campaign = await issueCampaign(app, province);
      return { province, districtA, districtB, unit, otherUnit, member: member.id, campaign };
    };
    const inside = await build();
    return { ...inside, outside: await build() };
  }

  function tokenOf(caller: Caller, fx: Fixture): string {
    if (caller === 'admin') return app.adminToken;
    const role = caller === 'admin of the province' ? 'admin' : caller;
    return tokenFor(app, { sub: `${role}-of-${fx.province.slice(0, 8)}`, role, unit: fx.province });
  }

  const head = async (): Promise<bigint> => app.service.app.get(EventStore).headPosition();

  it('has a row in the matrix for every route the application serves, and no row for a route it does not', () => {
    expect(servedRoutes(app)).toEqual(Object.keys(MATRIX).sort());
  });

  it('answers every route as the matrix says, and appends nothing for a refused write', async () => {
    const fx = await fixture();
    const results: string[] = [];
    const mismatches: string[] = [];
    let checked = 0;
    for (const [route, spec] of Object.entries(MATRIX)) {
      const method = route.split(' ')[0]!.toLowerCase() as 'get' | 'post';
      for (const target of ['in', 'out'] as const) {
        for (const caller of [...CALLERS, 'no token', 'forged token'] as const) {
          const call = await spec.build(app, fx, target);
          const token =
            caller === 'no token'
              ? null
              : caller === 'forged token'
                ? signToken('another-secret-of-at-least-32-characters', { sub: 'mallory', role: 'admin' })
                : tokenOf(caller, fx);
          // A forged token is refused wherever it is shown; no token at all only where one is needed.
          const want =
            caller === 'forged token' ? 401 : caller === 'no token' ? (spec.policy === 'public' ? spec.allowed : 401) : expected(spec, caller, target);
          const before = await head();
          const req = api(app, token)[method](call.path);
          const res = await (call.body === undefined ? req : req.send(call.body as object));
          const after = await head();
          checked++;
          const line = `${route} as ${caller}, ${target} of scope: ${res.status}`;
          results.push(line);
          if (res.status !== want) mismatches.push(`${line}, expected ${want}: ${JSON.stringify(res.body)}`);
          const writes = spec.policy === 'write' || spec.policy === 'seal';
          if (writes && want >= 400 && after !== before) mismatches.push(`${line} appended events (head ${before} → ${after})`);
          if (writes && want < 400 && after === before) mismatches.push(`${line} appended nothing`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(Object.keys(MATRIX).length * 2 * (CALLERS.length + 2));
  });

  it('records the caller of every appended event: sub, role, scope unit and correlation id', async () => {
    const fx = await fixture();
    const token = tokenOf('officer', fx);
    const res = await api(app, token)
      .post('/org-units')
      .set('X-Correlation-Id', 'thanh-tra-2024-17')
      .send({ code: code('G'), name: 'CĐCS', kind: 'grassroots_union', parentId: fx.districtA, establishedOn: ON })
      .expect(201);
    expect(res.headers['x-correlation-id']).toBe('thanh-tra-2024-17');
    const [event] = await app.service.app.get(EventStore).readStream(`orgUnit-${res.body.id}`);
    expect(event!.metadata).toMatchObject({
      actor: { id: `officer-of-${fx.province.slice(0, 8)}`, role: 'officer', scopeUnitId: fx.province },
      correlationId: 'thanh-tra-2024-17',
    });

    const generated = await api(app, token).post('/members').send({ unitId: fx.unit, fullName: 'Trần Thị B', memberCode: code('M'), joinedOn: ON }).expect(201);
    const correlationId = generated.headers['x-correlation-id'] as string;
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const [enrolled] = await app.service.app.get(EventStore).readStream(`member-${generated.body.id}`);
    expect(enrolled!.metadata.correlationId).toBe(correlationId);
    expect(enrolled!.metadata.actor).toEqual({ id: `officer-of-${fx.province.slice(0, 8)}`, role: 'officer', scopeUnitId: fx.province });
  });

  it('refuses a write that reaches out of the scope through any unit it names, appending nothing', async () => {
    const fx = await fixture();
    const token = tokenOf('officer', fx);
    const before = await head();
    const unit = await freshUnit(app, fx.districtA);
    const afterFixture = await head();
    expect(afterFixture > before).toBe(true);
    const attempts = [
      api(app, token).post(`/org-units/${unit}/transfer`).send({ newParentId: fx.outside.districtA, effectiveOn: ON }),
      api(app, token).post(`/org-units/${unit}/merge`).send({ intoUnitId: fx.outside.unit, effectiveOn: ON }),
      api(app, token).post(`/members/${fx.member}/transfer`).send({ toUnitId: fx.outside.unit, effectiveOn: ON }),
      api(app, token).post(`/members/${fx.outside.member}/transfer`).send({ toUnitId: fx.unit, effectiveOn: ON }),
      api(app, token)
        .post('/members/import')
        .send({
          members: [
            { unitId: fx.unit, fullName: 'Trong', memberCode: code('M'), joinedOn: ON },
            { unitId: fx.outside.unit, fullName: 'Ngoài', memberCode: code('M'), joinedOn: ON },
          ],
        }),
      api(app, token).post('/org-units').send({ code: code('P'), name: 'Tỉnh mới', kind: 'provincial_federation', establishedOn: ON }),
      api(app, token).post(`/members/${randomUUID()}/leave`).send({ effectiveOn: ON, reason: 'x' }),
    ];
    const fields: string[] = [];
    for (const attempt of attempts) {
      const res = await attempt;
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'auth.out_of_scope' });
      fields.push(res.body.errors[0].field);
    }
    expect(fields).toEqual(['newParentId', 'intoUnitId', 'toUnitId', 'id', 'members[1].unitId', 'parentId', 'id']);
    expect(await head()).toBe(afterFixture);
  });
});
